package io.mcpguard.proxy.report;

import io.mcpguard.proxy.audit.SubjectPseudonyms;
import io.mcpguard.proxy.config.Secret;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code mcpguard report --from WHEN --to WHEN (--trail FILE... | --jaeger URL --service NAME) [--period
 * day|week|month] [--format markdown|html] [--out FILE] [--csv FILE] [--key-file FILE]}: the compliance report over
 * the audit trail ({@link ComplianceReport}). Exit code 0 when written, 2 for a usage error or a trail that cannot
 * be read.
 *
 * <p>{@code WHEN} is a UTC date ({@code --to 2026-12-07} includes that whole day) or an instant. {@code --key-file}
 * is the key the proxy pseudonymises with now ({@code audit.subject-hash-key-file}): only its key id is computed from
 * it, to say which key period is the current one; the key itself is never printed.
 */
public final class ReportCommand {
    private ReportCommand() {}

    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<Path> trail = new ArrayList<>();
        String jaeger = null;
        String service = "mcpguard-proxy";
        int maxTraces = 1_000; // Jaeger refuses a search depth at or over its store's max_traces
        String from = null;
        String to = null;
        String period = "day";
        String format = "markdown";
        Path outFile = null;
        Path csvFile = null;
        Path keyFile = null;
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                return usage(err, args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--trail" -> trail.add(Path.of(value));
                case "--jaeger" -> jaeger = value;
                case "--service" -> service = value;
                case "--max-traces" -> {
                    maxTraces = value.matches("[1-9]\\d{0,6}") ? Integer.parseInt(value) : -1;
                    if (maxTraces < 0) {
                        return usage(err, "--max-traces is a whole number from 1 to 9999999");
                    }
                }
                case "--from" -> from = value;
                case "--to" -> to = value;
                case "--period" -> period = value;
                case "--format" -> format = value;
                case "--out" -> outFile = Path.of(value);
                case "--csv" -> csvFile = Path.of(value);
                case "--key-file" -> keyFile = Path.of(value);
                default -> {
                    return usage(err, "unknown argument " + args[i]);
                }
            }
        }
        if (from == null || to == null) {
            return usage(err, "--from and --to are required");
        }
        if (trail.isEmpty() == (jaeger == null)) {
            return usage(err, "name the trail: --trail FILE (one or more) or --jaeger URL, not both");
        }
        if (!List.of("day", "week", "month").contains(period)) {
            return usage(err, "--period is day, week or month");
        }
        if (!List.of("markdown", "html").contains(format)) {
            return usage(err, "--format is markdown or html");
        }
        Instant start;
        Instant end;
        try {
            start = instant(from, false);
            end = instant(to, true);
        } catch (DateTimeParseException e) {
            return usage(err, "--from and --to take a date (2026-12-07) or an instant (2026-12-07T10:00:00Z)");
        }
        if (!start.isBefore(end)) {
            return usage(err, "--from must come before --to");
        }
        try {
            String currentKeyId = keyFile == null ? null : keyIdOf(keyFile);
            TrailSource source = jaeger != null
                    ? TrailSource.jaeger(URI.create(jaeger), service, start, end, maxTraces)
                    : TrailSource.files(trail);
            ComplianceReport report = new ComplianceReport(start, end, Period.of(period));
            source.read(report::add);
            List<ReportTables.Table> tables = ReportTables.of(report, currentKeyId);
            String written =
                    format.equals("html") ? ReportWriter.html(report, tables) : ReportWriter.markdown(report, tables);
            if (outFile == null) {
                out.print(written);
            } else {
                Files.writeString(outFile, written, StandardCharsets.UTF_8);
            }
            if (csvFile != null) {
                Files.writeString(csvFile, ReportWriter.csv(ReportTables.calls(report)), StandardCharsets.UTF_8);
            }
            err.printf(
                    "mcpguard report: %d spans read, %d in the window, %d key period(s)%n",
                    report.spansRead(), report.spansInWindow(), report.keys().size());
            return 0;
        } catch (IOException e) {
            err.println("mcpguard report: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 2;
        }
    }

    private static String keyIdOf(Path keyFile) throws IOException {
        String key = Files.readString(keyFile, StandardCharsets.UTF_8).strip();
        if (key.isEmpty()) {
            throw new IOException("--key-file " + keyFile + " is empty");
        }
        return SubjectPseudonyms.keyIdOf(new Secret(key));
    }

    /** A date means the start of that UTC day, or for the end of the window the start of the next one. */
    private static Instant instant(String text, boolean end) {
        if (text.contains("T")) {
            return Instant.parse(text);
        }
        LocalDate day = LocalDate.parse(text);
        return (end ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static int usage(PrintStream err, String problem) {
        err.println("mcpguard report: " + problem);
        err.println("usage: mcpguard report --from DATE --to DATE (--trail FILE... | --jaeger URL [--service NAME]"
                + " [--max-traces N]) [--period day|week|month] [--format markdown|html] [--out FILE] [--csv FILE]"
                + " [--key-file FILE]");
        return 2;
    }
}
