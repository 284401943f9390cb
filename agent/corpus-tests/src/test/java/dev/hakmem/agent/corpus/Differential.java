package dev.hakmem.agent.corpus;

/**
 * Holds a rewritten class to what its original does: it must pass ASM's verifier unless the original
 * fails it too, and load and link among the rewritten classes wherever the original loads and links
 * among the originals. A class whose original does not link (an optional dependency missing, a
 * supertype absent) proves nothing either way and is skipped.
 */
final class Differential {
    enum Outcome { LINKED, SKIPPED, FAILED }

    /** @param detail why it was skipped or failed, null when it linked */
    record Verdict(Outcome outcome, String detail, boolean asmInconclusive) {
    }

    private Differential() {
    }

    /**
     * @param originals  the world of original classes, also the loader ASM's verifier takes types from
     * @param withAgent  the world in which {@code binaryName} is defined from {@code rewritten}
     */
    static Verdict check(String binaryName, byte[] original, byte[] rewritten, World originals, World withAgent) {
        boolean asmInconclusive = false;
        String problems = AsmVerification.problems(rewritten, originals);
        if (!problems.isEmpty()) {
            if (AsmVerification.problems(original, originals).isEmpty()) {
                return new Verdict(Outcome.FAILED, "fails ASM's verifier, its original does not:\n" + problems, false);
            }
            asmInconclusive = true;
        }
        Throwable before = originals.link(binaryName);
        if (before != null) {
            return new Verdict(Outcome.SKIPPED, before.toString(), asmInconclusive);
        }
        Throwable after = withAgent.link(binaryName);
        if (after != null) {
            return new Verdict(Outcome.FAILED, "does not link once rewritten, its original does: " + after, asmInconclusive);
        }
        return new Verdict(Outcome.LINKED, null, asmInconclusive);
    }
}
