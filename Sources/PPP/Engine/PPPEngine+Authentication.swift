import ByteCoding

/// The Authenticate phase (RFC 1661 §3.5): starting the negotiated method,
/// feeding it packets, and what its success or failure does to the link.
extension PPPEngine {
    // MARK: Authentication (§3.5)

    mutating func startAuthentication(now: Duration) {
        if case .server(let configuration) = role, !configuration.methods.isEmpty,
            lcp.negotiation.authenticatorMethod == nil
        {
            requestClose(.negotiationFailed("the client did not agree to authenticate"))
            return
        }
        guard let method = lcp.negotiation.negotiatedMethod else {
            log("no authentication was negotiated")
            authenticationSucceeded(.withoutKeys(nil, userName: nil), now: now)
            return
        }
        setPhase(.authenticate)
        linkWasUsable = true
        var session: any AuthenticationSession
        switch role {
        case .client(let configuration):
            switch method {
            case .pap:
                actions.append(
                    .warning(
                        "authenticating with PAP: the password goes to the server in clear text, "
                            + (configuration.serverIdentityUnverified
                                ? "and the server's certificate is not checked"
                                : "protected only by TLS")
                            + "; ask for MS-CHAPv2 or EAP on the server"))
                session = PAPAuthenticatee(
                    userName: configuration.userName, password: configuration.password,
                    limits: limits)
            case .chapMD5, .mschapv2:
                session = CHAPAuthenticatee(
                    method: method, userName: configuration.userName,
                    password: configuration.password, random: random)
            case .eapMSCHAPv2:
                session = EAPAuthenticatee(
                    userName: configuration.userName, password: configuration.password,
                    identity: configuration.eapIdentity ?? configuration.userName, random: random,
                    method: configuration.eapMethod, keyLayout: configuration.eapKeyLayout)
            }
        case .server(let configuration):
            switch method {
            case .pap:
                session = PAPAuthenticator(users: configuration.users)
            case .chapMD5, .mschapv2:
                session = CHAPAuthenticator(
                    method: method, configuration: configuration, limits: limits, random: random)
            case .eapMSCHAPv2:
                if let passThrough = configuration.eapPassThrough {
                    session = EAPPassThroughAuthenticator(
                        passThrough: passThrough, limits: limits, random: random)
                } else {
                    session = EAPAuthenticator(
                        configuration: configuration, limits: limits, random: random)
                }
            }
        }
        if case .client(let configuration) = role, method == .eapMSCHAPv2 {
            // EAP at LCP; the method inside is the one this client answers with.
            log("authenticating with EAP (\(configuration.eapMethod))")
        } else {
            log("authenticating with \(method)")
        }
        if authenticationTimeout > .zero {
            arm(.authenticationTimeout, now + authenticationTimeout)
        }
        let out = session.start(now: now)
        authentication = session
        applyAuthentication(out, now: now)
    }

    mutating func receiveAuthentication(_ information: ArraySlice<UInt8>, now: Duration) {
        guard var session = authentication else { return }
        let packet: PPPControlPacket
        do {
            packet = try PPPControlPacket(parsing: information)
        } catch {
            log("dropped a \(PPPProtocolNumber.name(of: session.protocolNumber)) packet: \(error)")
            return
        }
        let out = session.receive(packet, now: now)
        authentication = session
        applyAuthentication(out, now: now)
    }

    /// The authentication server answered (pass-through EAP).
    mutating func receiveBackendAnswer(_ answer: EAPBackendAnswer, now: Duration) {
        guard var session = authentication, !authenticated else {
            log("ignored an authentication server's answer outside authentication")
            return
        }
        let out = session.backendAnswered(answer, now: now)
        authentication = session
        applyAuthentication(out, now: now)
    }

    mutating func applyAuthentication(_ outputs: [AuthenticationOutput], now: Duration) {
        guard let protocolNumber = authentication?.protocolNumber else { return }
        for output in outputs {
            guard !finished else { return }
            switch output {
            case .send(let packet): send(protocolNumber, packet)
            case .setTimer(let deadline): arm(.authenticationRetransmit, deadline)
            case .cancelTimer: disarm(.authenticationRetransmit)
            case .log(let text): log(text)
            case .toBackend(let packet): actions.append(.eapToBackend(packet))
            case .succeeded(let result):
                if !authenticated { authenticationSucceeded(result, now: now) }
            case .failed(let reason):
                disarm(.authenticationRetransmit)
                disarm(.authenticationTimeout)
                requestClose(reason)
            }
        }
    }

    mutating func authenticationSucceeded(_ result: PPPAuthenticationResult, now: Duration) {
        authenticated = true
        disarm(.authenticationTimeout)
        actions.append(.authenticated(result))
        // §3.6: Network phase: each NCP gets Open and Up.
        setPhase(.network)
        apply(ipcp.open(now: now), .ipcp, now: now)
        apply(ipcp.up(now: now), .ipcp, now: now)
        if var automaton = ipv6cp {
            var out = automaton.open(now: now)
            ipv6cp = automaton
            apply(out, .ipv6cp, now: now)
            guard var automaton = ipv6cp else { return }
            out = automaton.up(now: now)
            ipv6cp = automaton
            apply(out, .ipv6cp, now: now)
        }
    }
}
