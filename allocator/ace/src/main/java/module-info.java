/**
 * Box 3 of hakmem: the cold path that learns. The two contracts through which the refill engine
 * talks to a learner (an event ring it publishes to, and a policy it reads at refill) and the
 * learner itself: a thread that drains the ring and publishes policies. It requires no other box:
 * it sees the engine only through these contracts.
 */
module dev.hakmem.ace {
    // events (EventRing, EventKind) flow out of the refill engine, policy (Policy, PolicySource) flows
    // back in; the facade creates both and wires them. Not to the thread cache: Box 1 cannot name Box 3
    exports dev.hakmem.ace.spi to dev.hakmem.refill, dev.hakmem;
    // the learner (PolicyLearner, its driver Learner, what it reports) to the facade only, which starts
    // it when hakmem.learn is on and shows its decisions; the refill engine meets it only through the spi
    exports dev.hakmem.ace to dev.hakmem;
}
