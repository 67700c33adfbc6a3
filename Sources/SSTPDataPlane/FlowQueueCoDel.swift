/// Active queue management for packets waiting to go into the tunnel: a
/// small number of per-flow queues served by deficit round robin, each
/// under CoDel (RFC 8290, FQ-CoDel, on RFC 8289's CoDel). A packet that
/// waits longer than `target` for longer than `interval` is dropped, or
/// marked CE when it is ECN-capable (RFC 8289 section 5.7, RFC 3168), so
/// the inner TCP backs off before the queue grows; a sparse flow (a ping,
/// a call) goes to the "new" list and is served before the bulk flows
/// (RFC 8290 section 4.1.2).
///
/// Pure: no clock (each call is given `now`), no I/O. All memory is
/// allocated at init (a pool of `slots` packet buffers of `slotSize`
/// bytes, and the per-slot and per-flow state): enqueue and dequeue
/// allocate nothing. The packets are opaque bytes whose IP header starts
/// `ipOffset` bytes in (8 for an SSTP data packet, MS-SSTP 2.2.3).
public final class FlowQueueCoDel {
    public struct Configuration: Sendable, Equatable {
        /// CoDel's acceptable standing queue delay (RFC 8289 section 4.4: 5 ms).
        public var target: Duration = .milliseconds(5)
        /// CoDel's sliding window, about a worst-case RTT (RFC 8289 section 4.3: 100 ms).
        public var interval: Duration = .milliseconds(100)
        /// Per-flow queues (RFC 8290 section 5.2.2 suggests 1024; a tunnel
        /// carries few flows at once, so fewer keep the state small).
        public var flows = 64
        /// Packet buffers in the pool, shared by all flows; when none is
        /// free the longest flow loses its oldest packet (RFC 8290 section 4.1.3).
        public var slots = 1024
        /// Bytes per buffer: the largest packet it accepts.
        public var slotSize = 1536
        /// DRR quantum in bytes (RFC 8290 section 5.2.1: one MTU-sized packet).
        public var quantum = 1514
        /// Mark ECT(0)/ECT(1) packets CE instead of dropping them (RFC 8290 section 5.2.7).
        public var ecn = true
        /// Where the IP header starts in each packet.
        public var ipOffset = 0
        /// Seeds the flow hash.
        public var seed: UInt64 = 0

        public init() {}
    }

    /// Counters since init.
    public struct Statistics: Sendable, Equatable {
        public var enqueued = 0
        public var dequeued = 0
        /// Dropped by CoDel (sojourn time above target for an interval).
        public var codelDropped = 0
        /// Marked CE instead of being dropped.
        public var ecnMarked = 0
        /// Dropped because the pool was full (from the longest flow).
        public var overflowDropped = 0
        /// Refused: larger than a slot.
        public var oversized = 0
    }

    /// RFC 8289's per-queue state (section 5, the variables of its pseudocode).
    struct CoDelState {
        var firstAboveTime: Int64 = 0
        var dropNext: Int64 = 0
        var count: UInt32 = 0
        var lastCount: UInt32 = 0
        var dropping = false
    }

    struct Flow {
        var head: Int32 = -1
        var tail: Int32 = -1
        var bytes = 0
        var packets = 0
        var deficit = 0
        /// 0: in no list, 1: new flows, 2: old flows.
        var list: UInt8 = 0
        var nextInList: Int32 = -1
        var codel = CoDelState()
    }

    struct FlowList {
        var head: Int32 = -1
        var tail: Int32 = -1
        var isEmpty: Bool { head < 0 }
    }

    public let configuration: Configuration
    public private(set) var statistics = Statistics()
    /// Packets and bytes held.
    public private(set) var count = 0
    public private(set) var byteCount = 0
    /// Bytes held at most (see `setLimit(forRate:)`; the pool's size until
    /// then); beyond it the longest flow loses its oldest packet, as when
    /// the pool is full. In bytes, not packets: the acknowledgements of an
    /// upload are small packets at a low byte rate.
    public private(set) var limit: Int

    private let storage: UnsafeMutableRawBufferPointer
    private let slotLength: UnsafeMutableBufferPointer<Int32>
    private let slotTime: UnsafeMutableBufferPointer<Int64>
    private let slotNext: UnsafeMutableBufferPointer<Int32>
    private var freeHead: Int32 = -1
    private let flows: UnsafeMutableBufferPointer<Flow>
    private var newFlows = FlowList()
    private var oldFlows = FlowList()
    private let targetNanoseconds: Int64
    private let intervalNanoseconds: Int64

    public init(_ configuration: Configuration) {
        var c = configuration
        c.flows = max(1, c.flows)
        c.slots = max(1, min(c.slots, Int(Int32.max)))
        c.slotSize = max(c.ipOffset + 40, c.slotSize)
        c.quantum = max(1, c.quantum)
        self.configuration = c
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: c.slots * c.slotSize, alignment: 16)
        slotLength = .allocate(capacity: c.slots)
        slotLength.initialize(repeating: 0)
        slotTime = .allocate(capacity: c.slots)
        slotTime.initialize(repeating: 0)
        slotNext = .allocate(capacity: c.slots)
        for i in 0..<c.slots { slotNext[i] = Int32(i + 1 < c.slots ? i + 1 : -1) }
        freeHead = 0
        flows = .allocate(capacity: c.flows)
        flows.initialize(repeating: Flow())
        targetNanoseconds = Self.nanoseconds(c.target)
        intervalNanoseconds = max(1, Self.nanoseconds(c.interval))
        limit = c.slots * c.slotSize
    }

    /// Queue time the limit allows at the rate the packets leave: four
    /// times CoDel's target, room for the bursts CoDel lets through while
    /// its interval runs (a slow start's), not for a standing queue.
    public static let limitTargets: Int64 = 4
    /// The limit never goes below this many full slots (a slow link's bursts).
    public static let minimumLimit = 64

    /// Bounds the queue by time rather than by the pool alone: as many
    /// bytes as leave in `limitTargets` x target at `rate` bytes per
    /// second (the socket's delivery rate). Only the slots that are used
    /// get touched (the free list is last in, first out), so on a slow
    /// link most of the pool stays untouched memory.
    public func setLimit(forRate rate: UInt64) {
        limit = Self.byteLimit(
            rate: rate, queueNanoseconds: targetNanoseconds &* Self.limitTargets,
            slotBytes: configuration.slotSize, slots: configuration.slots)
    }

    /// `rate` x `queueNanoseconds` bytes, between `minimumLimit` and
    /// `slots` slots of `slotBytes` (the whole pool while the rate is unknown).
    public static func byteLimit(rate: UInt64, queueNanoseconds: Int64, slotBytes: Int, slots: Int) -> Int {
        let pool = UInt64(max(0, slots)) &* UInt64(max(0, slotBytes))
        guard rate > 0, queueNanoseconds > 0 else { return Int(pool) }
        let (product, overflow) = rate.multipliedReportingOverflow(by: UInt64(queueNanoseconds))
        guard !overflow else { return Int(pool) }
        let floor = UInt64(minimumLimit) &* UInt64(max(0, slotBytes))
        return Int(min(max(product / 1_000_000_000, floor), pool))
    }

    deinit {
        storage.deallocate()
        slotLength.deallocate()
        slotTime.deallocate()
        slotNext.deallocate()
        flows.deallocate()
    }

    public var isEmpty: Bool { count == 0 }

    @inline(__always)
    public static func nanoseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }

    // MARK: - Enqueue

    /// Which flow queue `packet` goes to.
    public func flowIndex(of packet: UnsafeRawBufferPointer) -> Int {
        let ip =
            packet.count > configuration.ipOffset
            ? UnsafeRawBufferPointer(rebasing: packet[configuration.ipOffset...])
            : UnsafeRawBufferPointer(start: nil, count: 0)
        return Int(FlowHash.hash(ip, seed: configuration.seed) % UInt64(configuration.flows))
    }

    /// Queues a copy of `packet`, stamped with `now`. Returns false when it
    /// was refused (larger than a slot). A full pool drops the oldest
    /// packet of the longest flow to make room (which may be this flow).
    @discardableResult
    public func enqueue(_ packet: UnsafeRawBufferPointer, now: Duration) -> Bool {
        guard packet.count <= configuration.slotSize, packet.count > 0 else {
            statistics.oversized += 1
            return false
        }
        if freeHead < 0 || byteCount + packet.count > limit {
            dropFromLongestFlow()
            statistics.overflowDropped += 1
        }
        let slot = freeHead
        guard slot >= 0 else { return false }
        freeHead = slotNext[Int(slot)]
        let offset = Int(slot) * configuration.slotSize
        UnsafeMutableRawBufferPointer(rebasing: storage[offset..<(offset + packet.count)]).copyMemory(from: packet)
        slotLength[Int(slot)] = Int32(packet.count)
        slotTime[Int(slot)] = Self.nanoseconds(now)
        slotNext[Int(slot)] = -1
        let f = flowIndex(of: packet)
        if flows[f].tail >= 0 {
            slotNext[Int(flows[f].tail)] = slot
        } else {
            flows[f].head = slot
        }
        flows[f].tail = slot
        flows[f].bytes += packet.count
        flows[f].packets += 1
        count += 1
        byteCount += packet.count
        statistics.enqueued += 1
        // RFC 8290 section 4.1.2: a flow in neither list joins the new flows
        // with a full quantum.
        if flows[f].list == 0 {
            flows[f].deficit = configuration.quantum
            append(f, to: 1)
        }
        return true
    }

    private func dropFromLongestFlow() {
        var longest = -1
        var bytes = 0
        for i in 0..<configuration.flows where flows[i].bytes > bytes {
            longest = i
            bytes = flows[i].bytes
        }
        guard longest >= 0, let slot = popHead(longest) else { return }
        freeSlot(slot)
    }

    // MARK: - Dequeue

    /// Takes the next packet to send and hands it to `body` (valid only
    /// during the call); false when nothing is left. Packets CoDel drops
    /// on the way are counted in `statistics`, packets it marks are handed
    /// over marked.
    @discardableResult
    public func dequeue(now: Duration, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        let t = Self.nanoseconds(now)
        while true {
            let listID: UInt8
            let f: Int
            if !newFlows.isEmpty {
                listID = 1
                f = Int(newFlows.head)
            } else if !oldFlows.isEmpty {
                listID = 2
                f = Int(oldFlows.head)
            } else {
                return false
            }
            // RFC 8290 section 4.2: a flow out of credit gets a quantum more
            // and goes to the end of the old flows.
            if flows[f].deficit <= 0 {
                flows[f].deficit += configuration.quantum
                removeHead(listID)
                append(f, to: 2)
                continue
            }
            guard let slot = codelDequeue(f, now: t) else {
                // Empty: a new flow moves to the old flows once (so that it
                // cannot starve them by coming back as new), an old flow
                // leaves the lists.
                removeHead(listID)
                if listID == 1, !oldFlows.isEmpty {
                    append(f, to: 2)
                } else {
                    flows[f].list = 0
                }
                continue
            }
            let length = Int(slotLength[Int(slot)])
            flows[f].deficit -= length
            let offset = Int(slot) * configuration.slotSize
            body(UnsafeRawBufferPointer(rebasing: storage[offset..<(offset + length)]))
            freeSlot(slot)
            statistics.dequeued += 1
            return true
        }
    }

    /// RFC 8289 section 5.5 `dodequeue`: the head packet and whether its
    /// sojourn time has been above target for at least an interval.
    private func doDequeue(_ f: Int, now: Int64) -> (slot: Int32, okToDrop: Bool)? {
        guard let slot = popHead(f) else {
            flows[f].codel.firstAboveTime = 0
            return nil
        }
        let sojourn = now &- slotTime[Int(slot)]
        var okToDrop = false
        // Below target, or less than a packet left in this queue: fine.
        if sojourn < targetNanoseconds || flows[f].bytes <= configuration.quantum {
            flows[f].codel.firstAboveTime = 0
        } else if flows[f].codel.firstAboveTime == 0 {
            flows[f].codel.firstAboveTime = now &+ intervalNanoseconds
        } else if now >= flows[f].codel.firstAboveTime {
            okToDrop = true
        }
        return (slot, okToDrop)
    }

    /// RFC 8289 section 5.6 `dequeue`, with ECN marking in place of a drop
    /// for ECT packets (as section 5.7 allows).
    private func codelDequeue(_ f: Int, now: Int64) -> Int32? {
        guard var (slot, okToDrop) = doDequeue(f, now: now) else {
            flows[f].codel.dropping = false
            return nil
        }
        if flows[f].codel.dropping {
            if !okToDrop {
                flows[f].codel.dropping = false
            }
            while flows[f].codel.dropping, now >= flows[f].codel.dropNext {
                flows[f].codel.count &+= 1
                if mark(slot) {
                    flows[f].codel.dropNext = controlLaw(flows[f].codel.dropNext, count: flows[f].codel.count)
                    return slot
                }
                freeSlot(slot)
                statistics.codelDropped += 1
                guard let next = doDequeue(f, now: now) else {
                    flows[f].codel.dropping = false
                    return nil
                }
                (slot, okToDrop) = next
                if !okToDrop {
                    flows[f].codel.dropping = false
                } else {
                    flows[f].codel.dropNext = controlLaw(flows[f].codel.dropNext, count: flows[f].codel.count)
                }
            }
        } else if okToDrop {
            // Enter the dropping state; start from the count of the last
            // dropping state if it ended recently (section 5.6).
            let delta = flows[f].codel.count &- flows[f].codel.lastCount
            if delta > 1, now &- flows[f].codel.dropNext < 16 &* intervalNanoseconds {
                flows[f].codel.count = delta
            } else {
                flows[f].codel.count = 1
            }
            flows[f].codel.dropping = true
            flows[f].codel.lastCount = flows[f].codel.count
            flows[f].codel.dropNext = controlLaw(now, count: flows[f].codel.count)
            if !mark(slot) {
                freeSlot(slot)
                statistics.codelDropped += 1
                guard let next = doDequeue(f, now: now) else { return nil }
                slot = next.slot
            }
        }
        return slot
    }

    /// RFC 8289 section 5.5 `control_law`: the next drop, interval / sqrt(count) after `t`.
    private func controlLaw(_ t: Int64, count: UInt32) -> Int64 {
        let step = Double(intervalNanoseconds) / Double(max(count, 1)).squareRoot()
        return t &+ Int64(step)
    }

    private func mark(_ slot: Int32) -> Bool {
        guard configuration.ecn else { return false }
        let offset = Int(slot) * configuration.slotSize + configuration.ipOffset
        let length = Int(slotLength[Int(slot)]) - configuration.ipOffset
        guard length > 0 else { return false }
        let ip = UnsafeMutableRawBufferPointer(rebasing: storage[offset..<(offset + length)])
        guard ECNMark.markCongestionExperienced(ip) else { return false }
        statistics.ecnMarked += 1
        return true
    }

    // MARK: - Lists and slots

    private func popHead(_ f: Int) -> Int32? {
        let slot = flows[f].head
        guard slot >= 0 else { return nil }
        flows[f].head = slotNext[Int(slot)]
        if flows[f].head < 0 { flows[f].tail = -1 }
        let length = Int(slotLength[Int(slot)])
        flows[f].bytes -= length
        flows[f].packets -= 1
        count -= 1
        byteCount -= length
        return slot
    }

    private func freeSlot(_ slot: Int32) {
        slotNext[Int(slot)] = freeHead
        freeHead = slot
    }

    private func append(_ f: Int, to listID: UInt8) {
        flows[f].list = listID
        flows[f].nextInList = -1
        let index = Int32(f)
        if listID == 1 {
            if newFlows.tail >= 0 { flows[Int(newFlows.tail)].nextInList = index } else { newFlows.head = index }
            newFlows.tail = index
        } else {
            if oldFlows.tail >= 0 { flows[Int(oldFlows.tail)].nextInList = index } else { oldFlows.head = index }
            oldFlows.tail = index
        }
    }

    private func removeHead(_ listID: UInt8) {
        if listID == 1 {
            let f = Int(newFlows.head)
            newFlows.head = flows[f].nextInList
            if newFlows.head < 0 { newFlows.tail = -1 }
            flows[f].nextInList = -1
        } else {
            let f = Int(oldFlows.head)
            oldFlows.head = flows[f].nextInList
            if oldFlows.head < 0 { oldFlows.tail = -1 }
            flows[f].nextInList = -1
        }
    }

    /// Drops everything held (the tunnel went down).
    public func removeAll() {
        for f in 0..<configuration.flows {
            while let slot = popHead(f) { freeSlot(slot) }
            flows[f] = Flow()
        }
        newFlows = FlowList()
        oldFlows = FlowList()
    }
}
