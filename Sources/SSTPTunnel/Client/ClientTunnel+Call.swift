import ByteCoding
import CSSTPPlatform
import Glibc
import PPP
import SSTPCall
import SSTPCrypto
import SSTPDataPlane
import SSTPHTTP
import SSTPPlatform
import SSTPSession
import SSTPStream
import SSTPTLS
import SSTPWire

/// Carrying out the call's actions, and the PPP backend's events.
extension ClientTunnel {
    // MARK: - Applying the call's actions

    func apply(_ actions: [CallAction]) {
        var sstpUp = false
        defer {
            // After this batch's frames (LCP's first Configure-Request) went
            // out, so the set-up overlaps LCP's and authentication's round
            // trips.
            if sstpUp { prepareInterface() }
        }
        for action in actions {
            switch action {
            case .send(let bytes):
                sendRaw(bytes)
            case .setTimer(let timer, let deadline):
                timers.set(.call(timer), at: deadline) { [weak self] in
                    guard let self else { return }
                    self.apply(self.call?.timerExpired(timer, now: self.loop.now) ?? [])
                }
            case .cancelTimer(let timer):
                timers.cancel(.call(timer))
            case .progress(let progress):
                if case .sstpNegotiated = progress { sstpUp = true }
                report(progress)
            case .startExternalPPP:
                startBackend()
            case .externalCallConnected:
                backend.callConnected()
            case .stopExternalPPP:
                backend.terminate()
            case .externalLowerDown:
                backend.lowerDown()
            case .ipv4Up(let config):
                networkUp(ipv4: config)
            case .ipv6Up(let config):
                ipv6 = config
                networkUp(ipv6: config)
            case .ipv4Down, .ipv6Down:
                // The call stops that protocol's packets itself.
                break
            case .ended(let end):
                finish(TunnelFailure.outcome(end, established: established))
            case .log(let line):
                emit(.log(line))
            case .warning(let line):
                emit(.warning(line))
            case .eapToBackend:
                // Only a server's authenticator relays EAP.
                break
            }
        }
    }

    func report(_ progress: CallProgress) {
        switch progress {
        case .sstpNegotiated:
            emit(.phaseDone(.sstp, "CALL_CONNECT_ACK"))
            emit(.phase(.lcp, "negotiating the link"))
        case .pppPhase(let phase):
            pppPhase(phase)
        case .authenticated(let result):
            authMethod = result.method
            // EAP's method is the one the client answered with (EAP-TLS, PEAP).
            let method =
                result.method == .eapMSCHAPv2 ? "\(options.ppp.eapMethod)" : result.method.map { "\($0)" } ?? "none"
            emit(.phaseDone(.authentication, "authenticated with \(method)"))
            emit(.phase(.network, "IPCP" + (options.ppp.requestIPv6 ? " and IPv6CP" : "")))
        case .callConnected:
            emit(.log("SSTP call connected (crypto binding sent)"))
        }
    }

    func pppPhase(_ phase: PPPPhase) {
        switch phase {
        case .authenticate:
            emit(.phaseDone(.lcp, "LCP opened"))
            emit(.phase(.authentication, "user \(options.ppp.userName)"))
        default:
            break
        }
    }

    func sendRaw(_ bytes: [UInt8]) {
        guard let stream = currentStream else { return }
        stream.enqueue(bytes)
        stream.flush()
    }

    var currentStream: TLSStream? {
        switch stage {
        case .tls(let s, _), .http(let s, _), .running(let s, _): s
        default: nil
        }
    }

    // MARK: - An external PPP backend

    func startBackend() {
        do {
            try backend.start()
        } catch {
            finish(.local("cannot start \(backend.name): \(error)"))
        }
    }

    func backendEvent(_ event: ClientPPPBackendEvent) {
        switch event {
        case .frame(let frame):
            // The call drops data frames before Call Connected (§3.2.5.2).
            let actions = call?.externalPPPFrame(frame, now: loop.now) ?? []
            if !actions.isEmpty, frame.count > 4, frame[2] & 0x80 == 0 { bytesOut &+= UInt64(frame.count - 4) }
            apply(actions)
        case .phase(let phase):
            pppPhase(phase)
        case .authenticated(let result):
            apply(call?.externalPPPAuthenticated(result, now: loop.now) ?? [])
        case .ipv4Up(let config):
            call?.externalPPPNetworkUp(ipv4: true)
            networkUp(ipv4: config)
        case .ipv6Up(let config):
            call?.externalPPPNetworkUp(ipv4: false)
            ipv6 = config
            networkUp(ipv6: config)
        case .log(let line):
            emit(.log(line))
        case .finished(let failure):
            guard call != nil else {
                finish(failure.map { .ppp($0) })
                return
            }
            apply(call?.externalPPPFinished(failure, now: loop.now) ?? [])
        }
    }
}
