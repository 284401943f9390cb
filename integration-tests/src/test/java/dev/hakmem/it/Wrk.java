package dev.hakmem.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Load from {@code wrk} (Debian's; {@code .ci/run} installs it) on 127.0.0.1, bounded in time, and what it
 * printed: requests, non-2xx responses, socket errors, requests per second.
 */
final class Wrk {
    private Wrk() {
    }

    /** Skips the calling test, with the reason, when {@code wrk} is not on the PATH. */
    static void assumeInstalled() {
        assumeTrue(onPath("wrk"), "wrk is not on the PATH: the sample servers' load tests need it (apt-get install -y wrk)");
    }

    private static boolean onPath(String program) {
        for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, program))) {
                return true;
            }
        }
        return false;
    }

    /** What one run of wrk reported. */
    record Result(long requests, long non2xx, long socketErrors, double requestsPerSecond, String output) {
        /** Some load went through, every response was a 2xx and no socket failed. */
        Result assertClean(long atLeast) {
            assertEquals(0, non2xx, "wrk saw non-2xx responses:\n" + output);
            assertEquals(0, socketErrors, "wrk saw socket errors:\n" + output);
            assertTrue(requests >= atLeast, "wrk completed only " + requests + " requests (at least " + atLeast + " expected):\n" + output);
            return this;
        }
    }

    /** {@code wrk -t1 -c<connections> -d<seconds>s http://127.0.0.1:<port>/}. */
    static Result run(int port, int connections, int seconds) {
        try {
            Process wrk = new ProcessBuilder("wrk", "-t1", "-c" + connections, "-d" + seconds + "s", "--timeout", "5s",
                    "http://127.0.0.1:" + port + "/").redirectErrorStream(true).start();
            if (!wrk.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
                wrk.destroyForcibly();
                fail("wrk did not finish in " + (seconds + 30) + " s");
            }
            String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, wrk.exitValue(), "wrk failed:\n" + output);
            return new Result(number(output, "(\\d+) requests in", true), number(output, "Non-2xx or 3xx responses: (\\d+)", false),
                    socketErrors(output), Double.parseDouble(text(output, "Requests/sec:\\s+([\\d.]+)")), output);
        } catch (IOException e) {
            throw new UncheckedIOException("could not run wrk", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static long socketErrors(String output) {
        Matcher m = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)").matcher(output);
        if (!m.find()) {
            return 0; // wrk prints the line only when there are some
        }
        return Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)) + Long.parseLong(m.group(3)) + Long.parseLong(m.group(4));
    }

    private static long number(String output, String regex, boolean required) {
        Matcher m = Pattern.compile(regex).matcher(output);
        if (m.find()) {
            return Long.parseLong(m.group(1));
        }
        return required ? fail("no '" + regex + "' in wrk's output:\n" + output) : 0;
    }

    private static String text(String output, String regex) {
        Matcher m = Pattern.compile(regex).matcher(output);
        return m.find() ? m.group(1) : fail("no '" + regex + "' in wrk's output:\n" + output);
    }
}
