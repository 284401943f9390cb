package dev.hakmem.agent.runtime;

/** A malformed {@code -javaagent} option: the one case where the agent stops the JVM from starting. */
public final class BadAgentOptionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public BadAgentOptionException(String message) {
        super(message);
    }
}
