package dev.hakmem.agent.observe;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;

/** A free of an address that is not the start of a live block (a double free or an interior pointer), ignored; the stack is the free's. */
@Name("hakmem.InvalidFree")
@Label("Invalid Free")
@Description("A double free or a free of a pointer into a block: ignored and counted")
@Category("hakmem")
final class InvalidFreeEvent extends jdk.jfr.Event {
    @Label("Address")
    @MemoryAddress
    long address;

    @Label("Free Site")
    @Description("The call site of the free")
    String freeSite;

    @Label("Allocation Site")
    @Description("The site the block there was last allocated at")
    String allocationSite;
}
