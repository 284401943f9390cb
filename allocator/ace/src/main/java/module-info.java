/**
 * Box 3 of hakmem: the cold path that learns. A thread that drains the refill engine's event ring and
 * publishes policies back to it. It sees the engine only through the contracts the engine exports to
 * it ({@code dev.hakmem.refill.spi}); the engine cannot name it, and the thread cache cannot read it.
 */
module dev.hakmem.ace {
    // exported to this box are the engine's contracts (dev.hakmem.refill.spi) and nothing else of it
    requires dev.hakmem.refill;

    // the learner (PolicyLearner, its driver Learner, what it reports) to the facade only, which starts
    // it when hakmem.learn is on and shows its decisions
    exports dev.hakmem.ace to dev.hakmem;
}
