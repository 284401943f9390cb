/**
 * Box 3 of hakmem: the cold path that learns. For now it holds the two contracts through which the
 * refill engine talks to a learner: an event ring it publishes to, and a policy it reads at refill.
 * It requires no other box: it sees the engine only through these contracts.
 */
module dev.hakmem.ace {
    // events (EventRing, EventKind) flow out of the refill engine, policy (Policy, PolicySource) flows
    // back in; the facade creates both and wires them. Not to the thread cache: Box 1 cannot name Box 3
    exports dev.hakmem.ace.spi to dev.hakmem.refill, dev.hakmem;
}
