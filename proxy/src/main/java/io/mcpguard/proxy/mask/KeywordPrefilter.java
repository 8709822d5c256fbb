package io.mcpguard.proxy.mask;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds, in one pass over a text, where the rules' keywords occur (ASCII case ignored), so that a rule's pattern runs
 * only near its keywords and a text without any keyword costs one loop, however many rules there are.
 *
 * <p>The pass runs an Aho–Corasick automaton made deterministic: one table load per character, whatever the
 * keywords, with no comparison to redo where a keyword merely starts. (The pair-hash filter this replaced hit on
 * common pairs such as "pa", "si", "re" at every few characters of code and prose, and then compared keywords
 * there: that was most of the rules' cost.) Characters are folded into classes first — each character some keyword
 * holds, its upper case with it, and one class for all others — so a table row is a few dozen entries wide.
 * Characters outside ASCII are in the "others" class: case is folded for ASCII letters only, as the rules file says.
 * The same automaton without folding finds the fixed prefixes of vendor tokens ({@link PrefixedTokenClassifier}).
 */
final class KeywordPrefilter {
    /** By ASCII code: the character's class; 0 is "in no keyword". */
    private final byte[] classOf = new byte[128];
    /** The number of classes: the width of a row of {@code next}. */
    private final int width;
    /** By state (pre-multiplied by the row width) and class: the next state, pre-multiplied. */
    private final int[] next;
    /** States are numbered so that those where a keyword ends come last: a hit is one comparison with this row. */
    private final int firstOutputRow;

    private final int firstOutput;
    /** By state number minus the first output state: the keywords ending there. */
    private final int[][] outputs;

    private final int[] lengths;
    private final int maxLength;

    /** @param keywords lower-case printable ASCII, each at least one character; found in any ASCII case */
    KeywordPrefilter(List<String> keywords) {
        this(keywords, true);
    }

    /**
     * @param keywords printable ASCII, each at least one character; lower case when {@code ignoreCase}
     * @param ignoreCase whether an upper-case ASCII letter in the text matches its lower case in a keyword
     */
    KeywordPrefilter(List<String> keywords, boolean ignoreCase) {
        lengths = keywords.stream().mapToInt(String::length).toArray();
        maxLength = Arrays.stream(lengths).max().orElse(1);
        width = assignClasses(keywords, ignoreCase) + 1;
        Trie trie = new Trie(keywords, classOf, width);
        int states = trie.size();
        // Renumber: states without output first, in breadth-first order (the hot ones, near the root, together).
        int[] number = new int[states];
        int count = 0;
        for (int s : trie.order) {
            if (trie.output.get(s).length == 0) {
                number[s] = count++;
            }
        }
        firstOutput = count;
        outputs = new int[states - count][];
        for (int s : trie.order) {
            if (trie.output.get(s).length > 0) {
                outputs[count - firstOutput] = trie.output.get(s);
                number[s] = count++;
            }
        }
        next = new int[states * width];
        for (int s = 0; s < states; s++) {
            for (int c = 0; c < width; c++) {
                next[number[s] * width + c] = number[trie.delta.get(s)[c]] * width;
            }
        }
        firstOutputRow = firstOutput * width;
    }

    /**
     * Gives each character some keyword holds a class from 1; when case is ignored, upper-case ASCII letters share
     * their lower case's.
     */
    private int assignClasses(List<String> keywords, boolean ignoreCase) {
        int classes = 0;
        for (String keyword : keywords) {
            for (char c : keyword.toCharArray()) {
                if (c < 1 || c > 126 || (ignoreCase && Chars.isUpper(c))) {
                    throw new IllegalArgumentException("a keyword is printable ASCII, lower case when case is ignored");
                }
                if (classOf[c] == 0) {
                    classOf[c] = (byte) ++classes;
                    if (ignoreCase && Chars.isLower(c)) {
                        classOf[c - 32] = classOf[c];
                    }
                }
            }
        }
        return classes;
    }

    /** Every occurrence of a keyword in {@code text}. */
    KeywordHits find(char[] text) {
        Found found = new Found();
        int n = text.length;
        if (n < 4 * maxLength + 64) {
            walkFrom(text, 0, 0, n, 0, n, found);
            return found.sorted();
        }
        // Four quarters walked side by side: each step of the automaton waits for the table load of the step before,
        // and four independent walks let the processor overlap those waits. Each walk runs on past its quarter's end
        // far enough to finish every keyword that starts in it, and keeps only those.
        int q1 = n / 4;
        int q2 = n / 2;
        int q3 = q1 + q2;
        int reach = maxLength - 1;
        int a = 0;
        int b = 0;
        int c = 0;
        int d = 0;
        int steps = q1 + reach; // every walk's length but the last one's, which may be shorter
        int lastSteps = n - q3;
        int common = Math.min(steps, lastSteps);
        for (int k = 0; k < common; k++) {
            a = next[a + classOf[Math.min(text[k], 127)]]; // DEL (127) is in no keyword, like every non-ASCII char
            b = next[b + classOf[Math.min(text[q1 + k], 127)]];
            c = next[c + classOf[Math.min(text[q2 + k], 127)]];
            d = next[d + classOf[Math.min(text[q3 + k], 127)]];
            if (a >= firstOutputRow) {
                found.add(a, k, 0, q1);
            }
            if (b >= firstOutputRow) {
                found.add(b, q1 + k, q1, q2);
            }
            if (c >= firstOutputRow) {
                found.add(c, q2 + k, q2, q3);
            }
            if (d >= firstOutputRow) {
                found.add(d, q3 + k, q3, n);
            }
        }
        walkFrom(text, a, common, Math.min(n, q1 + reach), 0, q1, found);
        walkFrom(text, b, q1 + common, Math.min(n, q2 + reach), q1, q2, found);
        walkFrom(text, c, q2 + common, Math.min(n, q3 + reach), q2, q3, found);
        walkFrom(text, d, q3 + common, n, q3, n, found);
        return found.sorted();
    }

    /** Walks on from {@code state} over {@code text[from, to)}, keeping keywords that start in [keepFrom, keepTo). */
    private void walkFrom(char[] text, int state, int from, int to, int keepFrom, int keepTo, Found found) {
        int s = state;
        for (int i = from; i < to; i++) {
            s = next[s + classOf[Math.min(text[i], 127)]];
            if (s >= firstOutputRow) {
                found.add(s, i, keepFrom, keepTo);
            }
        }
    }

    /** Keyword occurrences as the walks find them, by end; reported by start. */
    private final class Found {
        private long[] items; // start << 32 | keyword
        private int count;

        /** The keywords ending at {@code last} in {@code state}, those starting in {@code [from, to)}. */
        void add(int state, int last, int from, int to) {
            for (int keyword : outputs[state / width - firstOutput]) {
                int start = last + 1 - lengths[keyword];
                if (start < from || start >= to) {
                    continue;
                }
                if (items == null) {
                    items = new long[16];
                } else if (count == items.length) {
                    items = Arrays.copyOf(items, count * 2);
                }
                items[count++] = ((long) start << 32) | keyword;
            }
        }

        KeywordHits sorted() {
            if (count == 0) {
                return KeywordHits.NONE;
            }
            // Callers merge windows by start, and a keyword that ends later can start earlier.
            Arrays.sort(items, 0, count);
            return new KeywordHits(items, count);
        }
    }

    /** The automaton while it is built: a trie of the keywords, its failure links folded into full transitions. */
    private static final class Trie {
        final List<int[]> delta = new ArrayList<>();
        final List<int[]> output = new ArrayList<>();
        final List<Integer> order = new ArrayList<>();

        Trie(List<String> keywords, byte[] classOf, int width) {
            delta.add(filled(width));
            output.add(new int[0]);
            for (int k = 0; k < keywords.size(); k++) {
                int s = 0;
                for (char c : keywords.get(k).toCharArray()) {
                    int cls = classOf[c];
                    if (delta.get(s)[cls] < 0) {
                        delta.get(s)[cls] = delta.size();
                        delta.add(filled(width));
                        output.add(new int[0]);
                    }
                    s = delta.get(s)[cls];
                }
                output.set(s, append(output.get(s), k));
            }
            link(width);
        }

        int size() {
            return delta.size();
        }

        /** Breadth first: each missing transition goes where the failure state's goes; outputs gather the fail's. */
        private void link(int width) {
            int[] fail = new int[delta.size()];
            int[] queue = new int[delta.size()];
            int head = 0;
            int tail = 0;
            queue[tail++] = 0;
            for (int c = 0; c < width; c++) {
                int child = delta.get(0)[c];
                if (child < 0) {
                    delta.get(0)[c] = 0;
                } else {
                    fail[child] = 0;
                    queue[tail++] = child;
                }
            }
            head = 1;
            order.add(0);
            while (head < tail) {
                int s = queue[head++];
                order.add(s);
                int[] row = delta.get(s);
                int[] failRow = delta.get(fail[s]);
                for (int c = 0; c < width; c++) {
                    if (row[c] < 0) {
                        row[c] = failRow[c];
                    } else {
                        int child = row[c];
                        fail[child] = failRow[c];
                        output.set(child, merge(output.get(child), output.get(fail[child])));
                        queue[tail++] = child;
                    }
                }
            }
        }

        private static int[] filled(int width) {
            int[] row = new int[width];
            Arrays.fill(row, -1);
            return row;
        }

        private static int[] append(int[] list, int value) {
            int[] longer = Arrays.copyOf(list, list.length + 1);
            longer[list.length] = value;
            return longer;
        }

        private static int[] merge(int[] own, int[] inherited) {
            int[] all = Arrays.copyOf(own, own.length + inherited.length);
            System.arraycopy(inherited, 0, all, own.length, inherited.length);
            return all;
        }
    }
}
