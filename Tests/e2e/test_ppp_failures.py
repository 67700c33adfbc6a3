"""PPP-level failures and how the session ends (issue 16 items 3, 13, 14):
the message for no common authentication method, PAP and CHAP-MD5 refused
while certificate checking is off, a server ending an established session
(exit 7), and the pppd backend on a host without kernel PPP (exit 6)."""
import os
import re
import unittest

import test_dbus_service as dbus_tests
from dbusbus import PrivateSystemBus
from harness import ROOT, TunnelTestCase, cleanup_pki

EXIT_TLS, EXIT_REFUSED, EXIT_LOCAL, EXIT_SESSION_ENDED = 3, 4, 6, 7
PLUGIN = os.path.join(ROOT, "nm-plugin", "pppd", "build", "sstp-pppd-bridge.so")


class AuthenticationChoice(TunnelTestCase):
    def test_no_common_method_names_offered_and_refused(self):
        self.start_server("--methods", "pap,mschapv2")
        client = self.start_client("--refuse-pap", "--refuse-mschap-v2")
        code = client.wait(60)
        out = client.output()
        self.assertEqual(code, EXIT_REFUSED, out)
        self.assertIn("the server offered PAP and MS-CHAPv2", out)
        self.assertIn("this client refuses MS-CHAPv2 and PAP", out)
        self.assertNotIn("dropped this user", out)
        self.assertNotIn("connected:", out)
        self.assert_nothing_left()

    def test_pap_refused_while_certificate_checking_is_off(self):
        server = self.start_server("--methods", "pap")
        client = self.start_client("--insecure-skip-verify")
        code = client.wait(60)
        out = client.output()
        self.assertEqual(code, EXIT_TLS, out)
        self.assertIn("--allow-weak-auth-without-verify", out)
        self.assertIn("PAP would send the password in clear text", out)
        self.assertNotIn("connected:", out)
        # No PAP Authenticate-Request reached the server.
        self.assertNotIn("authenticated with PAP", server.output())
        self.assert_nothing_left()

    def test_chap_refused_while_certificate_checking_is_off(self):
        self.start_server("--methods", "chap")
        client = self.start_client("--insecure-skip-verify")
        self.assertEqual(client.wait(60), EXIT_TLS, client.output())
        self.assertIn("CHAP-MD5 would send a hash", client.output())
        self.assert_nothing_left()

    def test_mschapv2_still_works_while_certificate_checking_is_off(self):
        self.start_server("--methods", "pap,mschapv2")
        client = self.start_client("--insecure-skip-verify")
        client.wait_for("connected:", timeout=60)
        self.assertEqual(client.stop(), 0, client.output())
        self.assertIn("authenticated with MS-CHAPv2", client.output())

    def test_pap_allowed_explicitly_is_used_with_a_warning(self):
        self.start_server("--methods", "pap")
        client = self.start_client("--insecure-skip-verify", "--allow-weak-auth-without-verify")
        client.wait_for("connected:", timeout=60)
        self.assertEqual(client.stop(), 0, client.output())
        out = client.output()
        self.assertIn("authenticated with PAP", out)
        self.assertIn("warning: authenticating with PAP", out)

    def test_pap_with_checked_certificate_is_warned_about(self):
        self.start_server("--methods", "pap")
        client = self.start_client()
        client.wait_for("connected:", timeout=60)
        self.assertEqual(client.stop(), 0, client.output())
        self.assertIn("warning: authenticating with PAP", client.output())


class SessionEnd(TunnelTestCase):
    def test_call_disconnect_mid_session_is_its_own_status(self):
        server = self.start_server("--fault-disconnect-after", "2")
        client = self.start_client()
        client.wait_for("connected:", timeout=60)
        code = client.wait(60)
        out = client.output()
        self.assertEqual(code, EXIT_SESSION_ENDED, out)
        self.assertIn("the server ended the established session", out)
        self.assertIn("fault: sending CALL_DISCONNECT", server.output())
        self.assert_nothing_left()

    def test_server_without_ipv6_then_disconnect_blames_no_authentication(self):
        # RFC 1661 5.7: the server Protocol-Rejects IPv6CP; IPv4 stays up,
        # and the end that follows is not reported as an authentication
        # problem.
        self.start_server("--no-ipv6", "--fault-disconnect-after", "2")
        client = self.start_client()
        client.wait_for("connected:", timeout=60)
        code = client.wait(60)
        out = client.output()
        self.assertEqual(code, EXIT_SESSION_ENDED, out)
        self.assertIn("IPv6 stays off", out)
        self.assertNotIn("IPv6 up:", out)
        self.assertNotIn("authentication method", out)
        self.assert_nothing_left()


class PPPDBackendWithoutKernelPPP(TunnelTestCase):
    def test_missing_kernel_ppp_is_a_local_failure_found_before_connecting(self):
        if os.path.exists("/dev/ppp"):
            self.skipTest("this host has kernel PPP")
        server = self.start_server()
        client = self.start_client("--backend", "pppd", "--pppd-plugin", PLUGIN)
        code = client.wait(60)
        out = client.output()
        self.assertEqual(code, EXIT_LOCAL, out)
        self.assertIn("/dev/ppp", out)
        self.assertIn("ppp_generic", out)
        self.assertIn("built-in backend", out)
        self.assertNotIn("server refused", out)
        # Found before connecting: the server never saw the client.
        self.assertNotIn("10.99.0.2", server.output())
        self.assert_nothing_left()


class WeakAuthenticationOverDBus(TunnelTestCase):
    """The same rule and option through the standalone D-Bus API."""
    def setUp(self):
        super().setUp()
        os.chmod(self.tmp, 0o755)
        # The activated service runs in the client namespace, whose
        # clean-up kills it by PID.
        self.bus = PrivateSystemBus(os.path.join(self.tmp, "bus"), prefix=self.ns.exec(self.ns.client))
        self.addCleanup(self.bus.close)

    connect_options = dbus_tests.StandaloneServiceTests.connect_options
    prop = dbus_tests.StandaloneServiceTests.prop
    wait_state = dbus_tests.StandaloneServiceTests.wait_state

    def connect(self, *extra):
        r = self.bus.busctl("call", dbus_tests.NAME, dbus_tests.PATH, dbus_tests.MANAGER, "Connect",
                            *self.connect_options(("insecure-skip-verify", "b", "true"), *extra))
        self.assertEqual(r.returncode, 0, r.stderr)
        return re.search(r'o "(\S+)"', r.stdout).group(1)

    wait_removed = dbus_tests.StandaloneServiceTests.wait_removed

    def test_pap_refused_then_allowed(self):
        self.start_server("--methods", "pap")
        # An ended connection leaves the bus at once (issue 16 item 7): its
        # failure reason comes with ConnectionRemoved.
        monitor = dbus_tests.Monitor(self.bus)
        self.addCleanup(monitor.close)
        path = self.connect()
        m = monitor.wait_for(
            r"Member=ConnectionRemoved.*?OBJECT_PATH \"([^\"]+)\";\s+STRING \"(\w+)\";\s+STRING \"([^\"]*)\"")
        self.assertEqual((m.group(1), m.group(2)), (path, "failed"))
        self.assertIn("allow-weak-auth-without-verify", m.group(3))
        path = self.connect(("allow-weak-auth-without-verify", "b", "true"))
        self.wait_state(path, "connected")
        r = self.bus.busctl("call", dbus_tests.NAME, path, dbus_tests.CONNECTION, "Disconnect")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_removed(path)
        self.assert_nothing_left()


def tearDownModule():
    cleanup_pki()


if __name__ == "__main__":
    unittest.main()
