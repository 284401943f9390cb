/**
 * Box 3 of hakmem: the cold path that learns. For now it holds the two contracts through which the
 * refill engine talks to a learner: an event ring it publishes to, and a policy it reads at refill.
 */
module dev.hakmem.ace {
    // events flow out of the refill engine, policy flows back in; the facade wires the two together
    exports dev.hakmem.ace.spi to dev.hakmem.refill, dev.hakmem;
}
