package dev.hakmem.agent.runtime;

import dev.hakmem.agent.report.HtmlReport;
import dev.hakmem.agent.report.ReportDiff;
import dev.hakmem.agent.report.ReportFiles;
import dev.hakmem.agent.report.ReportSnapshot;
import dev.hakmem.agent.report.TextReport;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code java -jar hakmem-agent.jar ...}: renders a JSON report the agent wrote, as text or HTML, and
 * compares two.
 * <pre>
 * java -jar hakmem-agent.jar report.json                 the full report as text
 * java -jar hakmem-agent.jar report.json --html out.html the HTML page
 * java -jar hakmem-agent.jar diff before.json after.json the sites whose live bytes grew, most first
 * </pre>
 */
public final class ReportTool {
    static final String USAGE = """
            usage: java -jar hakmem-agent.jar REPORT.json                  print the report as text
                   java -jar hakmem-agent.jar REPORT.json --html OUT.html  write it as an HTML page
                   java -jar hakmem-agent.jar diff BEFORE.json AFTER.json  the sites whose live bytes grew, most first""";

    private ReportTool() {
    }

    /** @return the exit status: 0, 1 for a file that cannot be read as a report, 2 for bad arguments */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> a = List.of(args);
        try {
            if (a.size() == 3 && a.getFirst().equals("diff")) {
                out.print(ReportDiff.render(ReportFiles.read(Path.of(a.get(1))), ReportFiles.read(Path.of(a.get(2)))));
                return 0;
            }
            if (a.size() == 1 && !a.getFirst().startsWith("-")) {
                out.print(TextReport.full(ReportFiles.read(Path.of(a.getFirst()))));
                return 0;
            }
            if (a.size() == 3 && a.get(1).equals("--html")) {
                ReportSnapshot r = ReportFiles.read(Path.of(a.getFirst()));
                Files.writeString(Path.of(a.get(2)), HtmlReport.render(r));
                out.println("hakmem: wrote " + a.get(2));
                return 0;
            }
            err.println(USAGE);
            return 2;
        } catch (IOException | IllegalArgumentException | ClassCastException e) {
            err.println("hakmem: " + e.getMessage());
            return 1;
        }
    }
}
