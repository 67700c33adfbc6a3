"""A throwaway FreeRADIUS 3.2 (Debian `freeradius`) for the EAP tests: the
bundled server relays EAP to it (RFC 3579), as RRAS does with NPS.

`radius_pki()` makes, once and cached under the build folder, a CA for the
RADIUS side (its server certificate, client certificates for EAP-TLS, one
of them revoked in a CRL) and a second, unrelated CA for the "untrusted
server certificate" case. `FreeRADIUS` writes a minimal raddb into a
temporary folder (radiusd.conf with the client, the eap module with
tls-common, tls, peap and mschapv2, a default and an inner-tunnel server,
a users file), starts `freeradius -f -d DIR` in a namespace and kills it
by PID at the end. The shared secret lives in clients.conf and in a file
for the test server (--radius-secret-file), never in argv.
"""
import os
import shutil
import tempfile

from harness import BUILD, Process, run

FREERADIUS = "/usr/sbin/freeradius"
RADIUS_PORT = 18120
SECRET = "radius shared secret 7f3a"
# The name in the RADIUS server's certificate (what --eap-server-name checks).
RADIUS_SERVER_NAME = "radius.test"

_PKI_VERSION = "2"

EAPOL_TEST = "/usr/bin/eapol_test"
# eapol_test (wpa_supplicant's RADIUS test client, Debian `eapoltest`)
# checks the fixture itself. It takes the shared secret only on its command
# line, so it gets its own client entry, source address and a secret that
# guards nothing.
EAPOL_TEST_ADDRESS = "127.0.0.2"
EAPOL_TEST_SECRET = "eapol-test-fixture-check-only"


def _openssl(*args, cwd):
    run("openssl", *args, cwd=cwd)


def _ca_config(directory):
    path = os.path.join(directory, "ca.cnf")
    with open(path, "w") as f:
        f.write(f"""[ca]
default_ca = radius_ca
[radius_ca]
dir = {directory}
database = {directory}/index.txt
new_certs_dir = {directory}/issued
serial = {directory}/serial
crlnumber = {directory}/crlnumber
certificate = {directory}/ca.pem
private_key = {directory}/ca.key
default_md = sha256
default_days = 3650
default_crl_days = 3650
policy = anything
unique_subject = no
copy_extensions = copy
[anything]
commonName = supplied
[server_ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:{RADIUS_SERVER_NAME}
[client_ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
""")
    return path


def _make_ca(directory, name):
    os.makedirs(os.path.join(directory, "issued"))
    open(os.path.join(directory, "index.txt"), "w").close()
    with open(os.path.join(directory, "serial"), "w") as f:
        f.write("1000\n")
    with open(os.path.join(directory, "crlnumber"), "w") as f:
        f.write("1000\n")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650", "-subj", f"/CN={name}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)
    return _ca_config(directory)


def _issue(directory, config, name, cn, extension):
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}", cwd=directory)
    _openssl("ca", "-batch", "-config", config, "-extensions", extension, "-in", f"{name}.csr",
             "-out", f"{name}.pem", "-notext", cwd=directory)


def radius_pki():
    """The folder with ca.pem, server.pem/.key, alice.pem/.key,
    revoked.pem/.key, ca-and-crl.pem (the CA with its CRL, for FreeRADIUS),
    server-revoked-crl.pem (a later CRL that also revokes server.pem),
    and other-ca/ca.pem (a CA that signed nothing we use). Made once per
    build folder."""
    root = os.path.join(BUILD, "e2e-radius-pki")
    marker = os.path.join(root, f"complete-v{_PKI_VERSION}")
    if os.path.exists(marker):
        return root
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(BUILD, exist_ok=True)
    work = tempfile.mkdtemp(prefix="radius-pki-", dir=BUILD)
    try:
        config = _make_ca(work, "Test RADIUS CA")
        _issue(work, config, "server", RADIUS_SERVER_NAME, "server_ext")
        _issue(work, config, "alice", "alice", "client_ext")
        _issue(work, config, "revoked", "alice", "client_ext")
        _openssl("ca", "-batch", "-config", config, "-revoke", "revoked.pem", cwd=work)
        _openssl("ca", "-batch", "-config", config, "-gencrl", "-out", "crl.pem", cwd=work)
        # A later CRL that also revokes the server's certificate, for the
        # client's --eap-crl; FreeRADIUS gets the first one (ca-and-crl.pem).
        _openssl("ca", "-batch", "-config", config, "-revoke", "server.pem", cwd=work)
        _openssl("ca", "-batch", "-config", config, "-gencrl", "-out", "server-revoked-crl.pem", cwd=work)
        with open(os.path.join(work, "ca-and-crl.pem"), "w") as out:
            for part in ("ca.pem", "crl.pem"):
                with open(os.path.join(work, part)) as f:
                    out.write(f.read())
        other = os.path.join(work, "other-ca")
        os.makedirs(other)
        _make_ca(other, "Unrelated CA")
        for name in os.listdir(work):
            if name.endswith(".key"):
                os.chmod(os.path.join(work, name), 0o600)
        open(os.path.join(work, f"complete-v{_PKI_VERSION}"), "w").close()
        os.rename(work, root)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return root


class FreeRADIUS:
    """FreeRADIUS with its own raddb in `self.dir`, listening on
    127.0.0.1:RADIUS_PORT inside namespace `ns` (started by `start`)."""

    def __init__(self, ns_exec, users, secret=SECRET, port=RADIUS_PORT, tls_max="1.3", default_eap="mschapv2"):
        """default_eap: the EAP method FreeRADIUS starts with after the
        Identity (a peer that wants another one Naks, RFC 3748 §5.3)."""
        self.ns_exec = ns_exec
        self.port = port
        self.secret = secret
        self.pki = radius_pki()
        self.dir = tempfile.mkdtemp(prefix="sstp-e2e-raddb-")
        self.process = None
        for sub in ("run", "log", "tlscache"):
            os.makedirs(os.path.join(self.dir, sub))
        self._write_config(users, tls_max, default_eap)

    def _write(self, name, text, mode=0o600):
        path = os.path.join(self.dir, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        os.write(fd, text.encode())
        os.close(fd)
        return path

    def secret_file(self):
        """A file with the shared secret, for --radius-secret-file."""
        return self._write("nas-secret", self.secret + "\n")

    def _write_config(self, users, tls_max, default_eap):
        d, pki = self.dir, self.pki
        self._write("users", "".join(f'{user}\tCleartext-Password := "{password}"\n'
                                     for user, password in users.items()))
        self._write("clients.conf", f"""client nas {{
\tipaddr = 127.0.0.1
\tsecret = "{self.secret}"
\trequire_message_authenticator = yes
\tshortname = sstp-test-server
}}
client eapol_test {{
\tipaddr = {EAPOL_TEST_ADDRESS}
\tsecret = "{EAPOL_TEST_SECRET}"
\trequire_message_authenticator = yes
\tshortname = eapol_test
}}
""")
        self._write("radiusd.conf", f"""prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
logdir = {d}/log
raddbdir = {d}
radacctdir = {d}/log
name = freeradius
confdir = {d}
modconfdir = {d}
certdir = {pki}
cadir = {pki}
run_dir = {d}/run
db_dir = {d}
libdir = /usr/lib/freeradius
pidfile = {d}/run/freeradius.pid
max_request_time = 30
cleanup_delay = 2
max_requests = 1024
hostname_lookups = no
log {{
\tdestination = stdout
\tauth = yes
\tauth_badpass = no
\tauth_goodpass = no
}}
security {{
\tallow_core_dumps = no
\tmax_attributes = 200
\treject_delay = 0
\tstatus_server = no
}}
thread pool {{
\tstart_servers = 2
\tmax_servers = 4
\tmin_spare_servers = 1
\tmax_spare_servers = 3
\tmax_requests_per_server = 0
}}
$INCLUDE clients.conf
modules {{
\tpap {{
\t}}
\tmschap {{
\t}}
\tfiles {{
\t\tfilename = {d}/users
\t}}
\teap {{
\t\tdefault_eap_type = {default_eap}
\t\ttimer_expire = 60
\t\tignore_unknown_eap_types = no
\t\tmax_sessions = 1024
\t\ttls-config tls-common {{
\t\t\tprivate_key_file = {pki}/server.key
\t\t\tcertificate_file = {pki}/server.pem
\t\t\tca_file = {pki}/ca-and-crl.pem
\t\t\tcheck_crl = yes
\t\t\tcipher_list = "DEFAULT"
\t\t\ttls_min_version = "1.2"
\t\t\ttls_max_version = "{tls_max}"
\t\t\tcache {{
\t\t\t\tenable = no
\t\t\t}}
\t\t}}
\t\ttls {{
\t\t\ttls = tls-common
\t\t}}
\t\tpeap {{
\t\t\ttls = tls-common
\t\t\tdefault_eap_type = mschapv2
\t\t\tvirtual_server = "inner-tunnel"
\t\t}}
\t\tmschapv2 {{
\t\t}}
\t}}
}}
server default {{
\tlisten {{
\t\ttype = auth
\t\tipaddr = 127.0.0.1
\t\tport = {self.port}
\t}}
\tauthorize {{
\t\teap {{
\t\t\tok = return
\t\t}}
\t\tfiles
\t}}
\tauthenticate {{
\t\tAuth-Type MS-CHAP {{
\t\t\tmschap
\t\t}}
\t\teap
\t}}
\tpost-auth {{
\t\tPost-Auth-Type REJECT {{
\t\t\tupdate reply {{
\t\t\t\t&Reply-Message := "FreeRADIUS refused %{{User-Name}}"
\t\t\t}}
\t\t\teap
\t\t}}
\t}}
}}
server inner-tunnel {{
\tauthorize {{
\t\teap {{
\t\t\tok = return
\t\t}}
\t\tfiles
\t}}
\tauthenticate {{
\t\tAuth-Type MS-CHAP {{
\t\t\tmschap
\t\t}}
\t\teap
\t}}
\tpost-auth {{
\t\tPost-Auth-Type REJECT {{
\t\t\teap
\t\t}}
\t}}
}}
""")

    def eapol_test(self, name, network):
        """Runs eapol_test with `network` (the lines of a wpa_supplicant
        network block) against this FreeRADIUS; returns its result."""
        path = self._write(f"{name}.conf", "network={\n\tkey_mgmt=IEEE8021X\n"
                           + "".join(f"\t{line}\n" for line in network) + "}\n")
        return run(*self.ns_exec(EAPOL_TEST, "-c", path, "-a", "127.0.0.1", "-p", str(self.port),
                                 "-A", EAPOL_TEST_ADDRESS, "-s", EAPOL_TEST_SECRET, "-t", "10"),
                   check=False, timeout=60)

    def start(self):
        argv = self.ns_exec(FREERADIUS, "-f", "-x", "-l", "stdout", "-d", self.dir)
        self.process = Process(argv, "freeradius")
        self.process.wait_for("Ready to process requests", timeout=20)
        return self.process

    def output(self):
        return self.process.output() if self.process else ""

    def close(self):
        if self.process:
            self.process.close()
            self.process = None
        shutil.rmtree(self.dir, ignore_errors=True)
