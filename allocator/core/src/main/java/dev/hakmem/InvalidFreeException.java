package dev.hakmem;

/** A free or reallocate of an address that is not a live block of hakmem's. Nothing was changed. */
public final class InvalidFreeException extends IllegalArgumentException {
    private final long address;
    private final Reason reason;

    InvalidFreeException(long address, Reason reason, String detail) {
        super("hakmem: invalid free of 0x" + Long.toHexString(address) + ": " + reason.text + detail);
        this.address = address;
        this.reason = reason;
    }

    public long address() {
        return address;
    }

    public Reason reason() {
        return reason;
    }

    public enum Reason {
        FOREIGN("not allocated by hakmem"),
        INTERIOR("points inside a block, not at its start"),
        NOT_ALLOCATED("the block is not allocated (double free?)");

        private final String text;

        Reason(String text) {
            this.text = text;
        }
    }
}
