package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The probing run finder against the plain definition: every maximal run of members that holds a stretch a finding
 * could be (at least minLength long, never more than gap uncounted members in a row) and enough counted characters
 * is visited, once, in order; nothing else is.
 */
class LongRunsTest {

    @Test
    void visitsEveryRunThatCouldHoldAFindingAndNothingElse() {
        Random random = new Random(19);
        String alphabet = "0123 -.(x\u00e9\n";
        for (int[] shape : new int[][] {{8, 2, 8}, {15, 1, 15}, {3, 0, 1}, {5, 4, 2}}) {
            LongRuns runs = new LongRuns("0123 -.(", "0123", shape[0], shape[1], shape[2]);
            for (int round = 0; round < 3000; round++) {
                char[] text = new char[random.nextInt(120)];
                // Stretches of members of random length, so that long runs are common.
                for (int i = 0; i < text.length; i++) {
                    text[i] = random.nextInt(9) == 0
                            ? alphabet.charAt(8 + random.nextInt(3))
                            : alphabet.charAt(random.nextInt(8));
                }
                List<String> visited = new ArrayList<>();
                List<Integer> starts = new ArrayList<>();
                runs.forEach(text, (start, end) -> {
                    visited.add(start + "-" + end);
                    starts.add(start);
                });
                List<String> required = new ArrayList<>();
                List<String> allowed = new ArrayList<>();
                plain(text, shape[0], shape[1], shape[2], required, allowed);
                assertThat(visited).as(new String(text)).containsAll(required);
                assertThat(allowed).as(new String(text)).containsAll(visited);
                assertThat(starts).as("in order, once").isSorted().doesNotHaveDuplicates();
            }
        }
    }

    @Test
    void refusesAShapeItCannotProbe() {
        assertThatThrownBy(() -> new LongRuns("ab", "a", 3, 3, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LongRuns("ab", "c", 3, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The maximal runs of members, long enough and with enough counted characters: {@code allowed}; those of them
     * holding a stretch of minLength with no more than gap uncounted members in a row: {@code required}.
     */
    private static void plain(
            char[] text, int minLength, int gap, int minCounted, List<String> required, List<String> allowed) {
        int i = 0;
        while (i < text.length) {
            if (!isMember(text[i])) {
                i++;
                continue;
            }
            int start = i;
            int counted = 0;
            int stretchStart = i; // where the stretch ending here began: no more than gap uncounted in a row since
            int uncountedInRow = 0;
            boolean holdsStretch = false;
            while (i < text.length && isMember(text[i])) {
                if (isCounted(text[i])) {
                    counted++;
                    uncountedInRow = 0;
                } else if (++uncountedInRow > gap) {
                    stretchStart = i - gap + 1; // the last gap uncounted ones may open the next stretch
                }
                holdsStretch |= i + 1 - stretchStart >= minLength;
                i++;
            }
            if (i - start >= minLength && counted >= minCounted) {
                allowed.add(start + "-" + i);
                if (holdsStretch) {
                    required.add(start + "-" + i);
                }
            }
        }
    }

    private static boolean isMember(char c) {
        return "0123 -.(".indexOf(c) >= 0;
    }

    private static boolean isCounted(char c) {
        return "0123".indexOf(c) >= 0;
    }
}
