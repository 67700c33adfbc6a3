import Testing

@testable import PPP

/// The option negotiation automaton against every cell of the RFC 1661 §4.1
/// state table: each of the ten states, each event, the actions (irc and
/// zrc are not visible on the wire and left out) and the next state.
@Suite struct AutomatonStateTableTests {
    /// Acks any request, except one carrying option 99, which it Naks.
    struct TableNegotiation: PPPOptionNegotiation {
        let name = "TEST"
        mutating func reset() {}
        mutating func requestOptions() -> [PPPConfigurationOption] { [] }
        mutating func evaluate(request options: [PPPConfigurationOption], nakAllowed: Bool)
            -> PPPConfigureVerdict
        {
            options.contains { $0.type == 99 }
                ? .nak([PPPConfigurationOption(type: 99, data: [])]) : .ack
        }
        mutating func receivedAck(_ options: [PPPConfigurationOption]) {}
        mutating func receivedNak(_ options: [PPPConfigurationOption], treatAsReject: Bool) {}
        mutating func receivedReject(_ options: [PPPConfigurationOption]) {}
        func describe(_ option: PPPConfigurationOption) -> String { "\(option.type)" }
    }

    typealias Automaton = PPPAutomaton<TableNegotiation>

    enum Event: String, CaseIterable {
        case up = "Up", down = "Down", open = "Open", close = "Close"
        case timeoutPositive = "TO+", timeoutNegative = "TO-"
        case rcrGood = "RCR+", rcrBad = "RCR-", rca = "RCA", rcn = "RCN", rtr = "RTR", rta = "RTA"
        case ruc = "RUC", rxjGood = "RXJ+", rxjBad = "RXJ-"
    }

    /// A driven automaton and the Identifier of its last Configure-Request.
    struct Driver {
        var automaton: Automaton
        var lastRequest: UInt8 = 0
        var now: Duration = .zero

        init(maxConfigure: Int = 10, maxTerminate: Int = 2) {
            automaton = Automaton(
                negotiation: TableNegotiation(),
                limits: PPPNegotiationLimits(maxConfigure: maxConfigure, maxTerminate: maxTerminate)
            )
        }

        /// The visible actions, as the table names them.
        @discardableResult
        mutating func apply(_ event: Event) -> [String] {
            let out: [PPPAutomatonOutput]
            func packet(_ code: UInt8, _ id: UInt8, _ data: [UInt8] = []) -> PPPControlPacket {
                PPPControlPacket(code: code, identifier: id, data: data[...])
            }
            switch event {
            case .up: out = automaton.up(now: now)
            case .down: out = automaton.down(now: now)
            case .open: out = automaton.open(now: now)
            case .close: out = automaton.close(reason: "", now: now)
            case .timeoutPositive, .timeoutNegative: out = automaton.timeout(now: now)
            case .rcrGood: out = automaton.receive(packet(1, 200), now: now)
            case .rcrBad: out = automaton.receive(packet(1, 201, [99, 2]), now: now)
            case .rca: out = automaton.receive(packet(2, lastRequest), now: now)
            case .rcn: out = automaton.receive(packet(3, lastRequest), now: now)
            case .rtr: out = automaton.receive(packet(5, 202), now: now)
            case .rta: out = automaton.receive(packet(6, 203), now: now)
            case .ruc: out = automaton.receive(packet(42, 204), now: now)
            case .rxjGood: out = automaton.receive(packet(7, 205, [9, 1, 0, 4]), now: now)
            case .rxjBad: out = automaton.receive(packet(7, 206, [1, 1, 0, 4]), now: now)
            }
            var names: [String] = []
            for output in out {
                switch output {
                case .send(let bytes):
                    let code = bytes.first ?? 0
                    if code == 1 { lastRequest = bytes[1] }
                    names.append(
                        ["", "scr", "sca", "scn", "scn", "str", "sta", "scj"][Int(min(code, 7))])
                case .thisLayerUp: names.append("tlu")
                case .thisLayerDown: names.append("tld")
                case .thisLayerStarted: names.append("tls")
                case .thisLayerFinished: names.append("tlf")
                case .startTimer, .stopTimer, .log: break
                }
            }
            return names
        }
    }

    /// Drives a fresh automaton into `state`. `exhausted` leaves the
    /// restart counter at zero, so that the next timeout is TO-.
    static func reach(_ state: PPPAutomatonState, exhausted: Bool = false) -> Driver {
        var d = Driver(maxConfigure: exhausted ? 1 : 10, maxTerminate: exhausted ? 1 : 2)
        switch state {
        case .initial: break
        case .starting: d.apply(.open)
        case .closed: d.apply(.up)
        case .stopped:
            d.apply(.up); d.apply(.open); d.apply(.rxjBad)
        case .closing:
            d.apply(.up); d.apply(.open); d.apply(.close)
        case .stopping:
            d = reach(.opened, exhausted: exhausted)
            // Opened + RXJ- → tld,irc,str/5 leaves Max-Terminate - 1 sends.
            d.apply(.rxjBad)
        case .requestSent:
            d.apply(.up); d.apply(.open)
        case .ackReceived:
            d.apply(.up); d.apply(.open); d.apply(.rca)
        case .ackSent:
            d.apply(.up); d.apply(.open); d.apply(.rcrGood)
        case .opened:
            d.apply(.up); d.apply(.open); d.apply(.rcrGood); d.apply(.rca)
        }
        #expect(d.automaton.state == state)
        return d
    }

    /// RFC 1661 §4.1, row by row: "actions/next state"; "-" means the event
    /// cannot happen there and is ignored (no action, no change).
    static let table: [PPPAutomatonState: [Event: String]] = [
        .initial: [
            .up: "/closed", .down: "-", .open: "tls/starting", .close: "/initial",
            .timeoutPositive: "-",
            .timeoutNegative: "-", .rcrGood: "-", .rcrBad: "-", .rca: "-", .rcn: "-", .rtr: "-",
            .rta: "-", .ruc: "-",
            .rxjGood: "-", .rxjBad: "-",
        ],
        .starting: [
            .up: "scr/requestSent", .down: "-", .open: "/starting", .close: "tlf/initial",
            .timeoutPositive: "-",
            .timeoutNegative: "-", .rcrGood: "-", .rcrBad: "-", .rca: "-", .rcn: "-", .rtr: "-",
            .rta: "-", .ruc: "-",
            .rxjGood: "-", .rxjBad: "-",
        ],
        .closed: [
            .up: "-", .down: "/initial", .open: "scr/requestSent", .close: "/closed",
            .timeoutPositive: "-",
            .timeoutNegative: "-", .rcrGood: "sta/closed", .rcrBad: "sta/closed",
            .rca: "sta/closed",
            .rcn: "sta/closed",
            .rtr: "sta/closed", .rta: "/closed", .ruc: "scj/closed", .rxjGood: "/closed",
            .rxjBad: "tlf/closed",
        ],
        .stopped: [
            .up: "-", .down: "tls/starting", .open: "/stopped", .close: "/closed",
            .timeoutPositive: "-",
            .timeoutNegative: "-", .rcrGood: "scr,sca/ackSent", .rcrBad: "scr,scn/requestSent",
            .rca: "sta/stopped",
            .rcn: "sta/stopped", .rtr: "sta/stopped", .rta: "/stopped", .ruc: "scj/stopped",
            .rxjGood: "/stopped",
            .rxjBad: "tlf/stopped",
        ],
        .closing: [
            .up: "-", .down: "/initial", .open: "/stopping", .close: "/closing",
            .timeoutPositive: "str/closing",
            .timeoutNegative: "tlf/closed", .rcrGood: "/closing", .rcrBad: "/closing",
            .rca: "/closing",
            .rcn: "/closing", .rtr: "sta/closing", .rta: "tlf/closed", .ruc: "scj/closing",
            .rxjGood: "/closing",
            .rxjBad: "tlf/closed",
        ],
        .stopping: [
            .up: "-", .down: "/starting", .open: "/stopping", .close: "/closing",
            .timeoutPositive: "str/stopping",
            .timeoutNegative: "tlf/stopped", .rcrGood: "/stopping", .rcrBad: "/stopping",
            .rca: "/stopping",
            .rcn: "/stopping", .rtr: "sta/stopping", .rta: "tlf/stopped", .ruc: "scj/stopping",
            .rxjGood: "/stopping", .rxjBad: "tlf/stopped",
        ],
        .requestSent: [
            .up: "-", .down: "/starting", .open: "/requestSent", .close: "str/closing",
            .timeoutPositive: "scr/requestSent", .timeoutNegative: "tlf/stopped",
            .rcrGood: "sca/ackSent",
            .rcrBad: "scn/requestSent", .rca: "/ackReceived", .rcn: "scr/requestSent",
            .rtr: "sta/requestSent",
            .rta: "/requestSent", .ruc: "scj/requestSent", .rxjGood: "/requestSent",
            .rxjBad: "tlf/stopped",
        ],
        .ackReceived: [
            .up: "-", .down: "/starting", .open: "/ackReceived", .close: "str/closing",
            .timeoutPositive: "scr/requestSent", .rcrGood: "sca,tlu/opened",
            .rcrBad: "scn/ackReceived",
            // RCA and RCN: no request is outstanding here, so an Ack or Nak
            // is invalid and discarded (§5.2–§5.4) instead of scr/6x.
            .rca: "/ackReceived", .rcn: "/ackReceived", .rtr: "sta/requestSent",
            .rta: "/requestSent",
            .ruc: "scj/ackReceived", .rxjGood: "/ackReceived", .rxjBad: "tlf/stopped",
        ],
        .ackSent: [
            .up: "-", .down: "/starting", .open: "/ackSent", .close: "str/closing",
            .timeoutPositive: "scr/ackSent",
            .timeoutNegative: "tlf/stopped", .rcrGood: "sca/ackSent", .rcrBad: "scn/requestSent",
            .rca: "tlu/opened", .rcn: "scr/ackSent", .rtr: "sta/requestSent", .rta: "/ackSent",
            .ruc: "scj/ackSent", .rxjGood: "/ackSent", .rxjBad: "tlf/stopped",
        ],
        .opened: [
            .up: "-", .down: "tld/starting", .open: "/opened", .close: "tld,str/closing",
            .timeoutPositive: "-",
            .timeoutNegative: "-", .rcrGood: "tld,scr,sca/ackSent",
            .rcrBad: "tld,scr,scn/requestSent",
            // As in Ack-Rcvd: no outstanding request, so no tld,scr/6x.
            .rca: "/opened", .rcn: "/opened", .rtr: "tld,sta/stopping", .rta: "tld,scr/requestSent",
            .ruc: "scj/opened", .rxjGood: "/opened", .rxjBad: "tld,str/stopping",
        ],
    ]

    @Test(arguments: [
        PPPAutomatonState.initial, .starting, .closed, .stopped, .closing, .stopping, .requestSent,
        .ackReceived,
        .ackSent, .opened,
    ])
    func stateTableRow(_ state: PPPAutomatonState) throws {
        let row = try #require(Self.table[state])
        for event in Event.allCases {
            guard let cell = row[event] else { continue }
            var driver = Self.reach(state, exhausted: event == .timeoutNegative)
            let actions = driver.apply(event)
            if cell == "-" {
                #expect(actions.isEmpty, "\(state) + \(event.rawValue)")
                #expect(driver.automaton.state == state, "\(state) + \(event.rawValue)")
                continue
            }
            let parts = cell.split(separator: "/", omittingEmptySubsequences: false)
            let expectedActions =
                parts[0].isEmpty ? [] : parts[0].split(separator: ",").map(String.init)
            #expect(
                actions == expectedActions, "\(state) + \(event.rawValue): \(actions) vs \(cell)")
            #expect(
                "\(driver.automaton.state)" == Self.names[String(parts[1])],
                "\(state) + \(event.rawValue) → \(driver.automaton.state), table: \(cell)")
        }
    }

    static let names: [String: String] = [
        "initial": "Initial", "starting": "Starting", "closed": "Closed", "stopped": "Stopped",
        "closing": "Closing",
        "stopping": "Stopping", "requestSent": "Req-Sent", "ackReceived": "Ack-Rcvd",
        "ackSent": "Ack-Sent",
        "opened": "Opened",
    ]

    /// Ack-Rcvd's TO- cell: the irc of Req-Sent + RCA gives a full count,
    /// so the table's TO- there is reached only after the sends run out.
    @Test func ackReceivedTimeoutNegative() {
        var d = Driver(maxConfigure: 1)
        d.apply(.up); d.apply(.open); d.apply(.rca)
        // irc on RCA sets the counter to Max-Configure (1) without sending:
        // one TO+ sends (counter 0) and moves to Req-Sent; there TO- ends.
        #expect(d.apply(.timeoutPositive) == ["scr"])
        #expect(d.automaton.state == .requestSent)
        #expect(d.apply(.timeoutNegative) == ["tlf"])
        #expect(d.automaton.state == .stopped)
    }
}
