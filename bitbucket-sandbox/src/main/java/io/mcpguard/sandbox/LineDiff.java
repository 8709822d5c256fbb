package io.mcpguard.sandbox;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Git-style unified diffs between two trees, as Bitbucket's {@code /diff} endpoints return them. A plain LCS after
 * trimming the common prefix and suffix: the sandbox's files are small, and exact minimality does not matter.
 */
final class LineDiff {
    private LineDiff() {}

    private enum Op {
        SAME,
        DEL,
        ADD
    }

    private record Edit(Op op, String line) {}

    /** Per-file diffstat entry, as {@code /diffstat} reports it. */
    record FileStat(String path, String status, int added, int removed) {}

    static String diffTrees(Map<String, String> from, Map<String, String> to, int context, String onlyPath) {
        StringBuilder out = new StringBuilder();
        for (String path : changedPaths(from, to)) {
            if (onlyPath != null && !onlyPath.equals(path)) {
                continue;
            }
            out.append(diffFile(path, from.get(path), to.get(path), context));
        }
        return out.toString();
    }

    static List<FileStat> stats(Map<String, String> from, Map<String, String> to) {
        List<FileStat> stats = new ArrayList<>();
        for (String path : changedPaths(from, to)) {
            String a = from.get(path);
            String b = to.get(path);
            int added = 0;
            int removed = 0;
            for (Edit e : edits(lines(a), lines(b))) {
                if (e.op == Op.ADD) added++;
                if (e.op == Op.DEL) removed++;
            }
            String status = a == null ? "added" : b == null ? "removed" : "modified";
            stats.add(new FileStat(path, status, added, removed));
        }
        return stats;
    }

    private static TreeSet<String> changedPaths(Map<String, String> from, Map<String, String> to) {
        TreeSet<String> paths = new TreeSet<>();
        paths.addAll(from.keySet());
        paths.addAll(to.keySet());
        paths.removeIf(p -> java.util.Objects.equals(from.get(p), to.get(p)));
        return paths;
    }

    private static String diffFile(String path, String a, String b, int context) {
        StringBuilder out = new StringBuilder();
        out.append("diff --git a/").append(path).append(" b/").append(path).append('\n');
        if (a == null) out.append("new file mode 100644\n");
        if (b == null) out.append("deleted file mode 100644\n");
        out.append("index ")
                .append(shortHash(a))
                .append("..")
                .append(shortHash(b))
                .append(a != null && b != null ? " 100644" : "")
                .append('\n');
        out.append("--- ").append(a == null ? "/dev/null" : "a/" + path).append('\n');
        out.append("+++ ").append(b == null ? "/dev/null" : "b/" + path).append('\n');
        List<Edit> edits = edits(lines(a), lines(b));
        int[] oldNo = new int[edits.size()];
        int[] newNo = new int[edits.size()];
        int o = 1;
        int n = 1;
        for (int i = 0; i < edits.size(); i++) {
            oldNo[i] = o;
            newNo[i] = n;
            if (edits.get(i).op != Op.ADD) o++;
            if (edits.get(i).op != Op.DEL) n++;
        }
        int i = 0;
        while (i < edits.size()) {
            if (edits.get(i).op == Op.SAME) {
                i++;
                continue;
            }
            int start = Math.max(0, i - context);
            int end = i;
            // extend the hunk while the next change is within 2*context unchanged lines
            int lastChange = i;
            for (int j = i; j < edits.size(); j++) {
                if (edits.get(j).op != Op.SAME) {
                    lastChange = j;
                } else if (j - lastChange > 2 * context) {
                    break;
                }
                end = j;
            }
            end = Math.min(edits.size() - 1, lastChange + context);
            int oldCount = 0;
            int newCount = 0;
            StringBuilder body = new StringBuilder();
            for (int j = start; j <= end; j++) {
                Edit e = edits.get(j);
                char mark = e.op == Op.SAME ? ' ' : e.op == Op.DEL ? '-' : '+';
                if (e.op != Op.ADD) oldCount++;
                if (e.op != Op.DEL) newCount++;
                body.append(mark).append(e.line).append('\n');
            }
            int oldStart = oldCount == 0 ? oldNo[start] - 1 : oldNo[start];
            int newStart = newCount == 0 ? newNo[start] - 1 : newNo[start];
            out.append("@@ -")
                    .append(oldStart)
                    .append(',')
                    .append(oldCount)
                    .append(" +")
                    .append(newStart)
                    .append(',')
                    .append(newCount)
                    .append(" @@\n")
                    .append(body);
            i = end + 1;
        }
        return out.toString();
    }

    private static String shortHash(String content) {
        if (content == null) return "0000000";
        return SandboxState.sha1(content).substring(0, 7);
    }

    private static List<String> lines(String text) {
        if (text == null || text.isEmpty()) return List.of();
        String t = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        return Arrays.asList(t.split("\n", -1));
    }

    private static List<Edit> edits(List<String> a, List<String> b) {
        int prefix = 0;
        while (prefix < a.size() && prefix < b.size() && a.get(prefix).equals(b.get(prefix))) prefix++;
        int suffix = 0;
        while (suffix < a.size() - prefix
                && suffix < b.size() - prefix
                && a.get(a.size() - 1 - suffix).equals(b.get(b.size() - 1 - suffix))) suffix++;
        List<String> am = a.subList(prefix, a.size() - suffix);
        List<String> bm = b.subList(prefix, b.size() - suffix);
        List<Edit> result = new ArrayList<>();
        for (int k = 0; k < prefix; k++) result.add(new Edit(Op.SAME, a.get(k)));
        int[][] lcs = new int[am.size() + 1][bm.size() + 1];
        for (int x = am.size() - 1; x >= 0; x--) {
            for (int y = bm.size() - 1; y >= 0; y--) {
                lcs[x][y] =
                        am.get(x).equals(bm.get(y)) ? lcs[x + 1][y + 1] + 1 : Math.max(lcs[x + 1][y], lcs[x][y + 1]);
            }
        }
        int x = 0;
        int y = 0;
        while (x < am.size() && y < bm.size()) {
            if (am.get(x).equals(bm.get(y))) {
                result.add(new Edit(Op.SAME, am.get(x)));
                x++;
                y++;
            } else if (lcs[x + 1][y] >= lcs[x][y + 1]) {
                result.add(new Edit(Op.DEL, am.get(x++)));
            } else {
                result.add(new Edit(Op.ADD, bm.get(y++)));
            }
        }
        while (x < am.size()) result.add(new Edit(Op.DEL, am.get(x++)));
        while (y < bm.size()) result.add(new Edit(Op.ADD, bm.get(y++)));
        for (int k = a.size() - suffix; k < a.size(); k++) result.add(new Edit(Op.SAME, a.get(k)));
        return result;
    }
}
