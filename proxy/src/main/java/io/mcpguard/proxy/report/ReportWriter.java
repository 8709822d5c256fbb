package io.mcpguard.proxy.report;

import io.mcpguard.proxy.report.ReportTables.Table;
import java.util.List;

/**
 * Writes the report as Markdown (for a pull request or a wiki), HTML (one self-contained page) or CSV (the calls
 * table, for a spreadsheet). Every cell is escaped for its format: subjects and reasons come from the trail, and a
 * trail is input like any other.
 */
final class ReportWriter {
    private ReportWriter() {}

    static String markdown(ComplianceReport report, List<Table> tables) {
        StringBuilder out = new StringBuilder();
        out.append("# mcpguard compliance report\n\n");
        out.append(summary(report)).append("\n");
        for (Table table : tables) {
            out.append("\n## ")
                    .append(table.title())
                    .append("\n\n")
                    .append(table.about())
                    .append("\n\n");
            if (table.rows().isEmpty()) {
                out.append("_None in this window._\n");
                continue;
            }
            out.append(markdownRow(table.header()));
            out.append("|").append(" --- |".repeat(table.header().size())).append("\n");
            table.rows().forEach(row -> out.append(markdownRow(row)));
        }
        return out.toString();
    }

    static String html(ComplianceReport report, List<Table> tables) {
        StringBuilder out = new StringBuilder();
        out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>mcpguard compliance report</title>")
                .append(
                        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}")
                .append("td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style></head><body>\n")
                .append("<h1>mcpguard compliance report</h1>\n<p>")
                .append(html(summary(report)))
                .append("</p>\n");
        for (Table table : tables) {
            out.append("<h2>").append(html(table.title())).append("</h2>\n<p>");
            out.append(html(table.about())).append("</p>\n");
            if (table.rows().isEmpty()) {
                out.append("<p><em>None in this window.</em></p>\n");
                continue;
            }
            out.append("<table><thead>").append(htmlRow("th", table.header())).append("</thead><tbody>\n");
            table.rows().forEach(row -> out.append(htmlRow("td", row)));
            out.append("</tbody></table>\n");
        }
        return out.append("</body></html>\n").toString();
    }

    static String csv(Table table) {
        StringBuilder out = new StringBuilder();
        out.append(csvRow(table.header()));
        table.rows().forEach(row -> out.append(csvRow(row)));
        return out.toString();
    }

    private static String summary(ComplianceReport report) {
        return "Window " + report.from() + " to " + report.to() + " (UTC, end excluded), by "
                + report.period().name().toLowerCase(java.util.Locale.ROOT) + ": " + report.spansInWindow()
                + " recorded messages and refused requests of " + report.spansRead() + " spans read.";
    }

    private static String markdownRow(List<String> cells) {
        StringBuilder row = new StringBuilder("|");
        for (String cell : cells) {
            row.append(' ').append(markdownCell(cell)).append(" |");
        }
        return row.append('\n').toString();
    }

    /** Pipes, backslashes and markup characters escaped; line breaks flattened (a cell is one line). */
    private static String markdownCell(String cell) {
        StringBuilder out = new StringBuilder(cell.length());
        for (char c : cell.toCharArray()) {
            if (c == '\n' || c == '\r') {
                out.append(' ');
            } else if ("\\|`*_[]<>#".indexOf(c) >= 0) {
                out.append('\\').append(c);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String htmlRow(String tag, List<String> cells) {
        StringBuilder row = new StringBuilder("<tr>");
        cells.forEach(cell -> row.append('<')
                .append(tag)
                .append('>')
                .append(html(cell))
                .append("</")
                .append(tag)
                .append('>'));
        return row.append("</tr>\n").toString();
    }

    private static String html(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;")
                .replace("'", "&#39;");
    }

    /**
     * RFC 4180 quoting; a cell a spreadsheet would run as a formula ({@code = + - @} first) is prefixed with a
     * quote mark, so a reason or subject planted in the trail cannot become one.
     */
    private static String csvRow(List<String> cells) {
        StringBuilder row = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                row.append(',');
            }
            String cell = cells.get(i);
            if (!cell.isEmpty() && "=+-@\t\r".indexOf(cell.charAt(0)) >= 0 && !isNumber(cell)) {
                cell = "'" + cell;
            }
            if (cell.indexOf(',') >= 0
                    || cell.indexOf('"') >= 0
                    || cell.indexOf('\n') >= 0
                    || cell.indexOf('\r') >= 0) {
                cell = '"' + cell.replace("\"", "\"\"") + '"';
            }
            row.append(cell);
        }
        return row.append("\r\n").toString();
    }

    private static boolean isNumber(String cell) {
        return cell.matches("-?\\d+");
    }
}
