package dev.hakmem.it.apps;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;

import static dev.hakmem.it.apps.Checks.check;

/**
 * Started without the agent, for a test that attaches it: runs {@link AttachTarget#beforeAttach}, prints
 * {@code ready}, and then follows commands read from stdin: {@code go} (allocate, after the test has
 * attached the agent), {@code release}, {@code exit}. Prints a line after each command.
 */
public final class AttachApp {
    private AttachApp() {
    }

    public static void main(String[] args) throws IOException {
        AttachTarget.beforeAttach();
        System.out.println("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String command = in.readLine(); command != null; command = in.readLine()) {
            switch (command) {
                case "go" -> {
                    AttachTarget.afterAttach();
                    System.out.println("allocated");
                }
                case "release" -> {
                    AttachTarget.release();
                    System.out.println("released");
                }
                case "exit" -> {
                    Checks.ok();
                    return;
                }
                default -> Checks.fail("unknown command " + command);
            }
        }
        check(false, "stdin closed before exit");
    }
}
