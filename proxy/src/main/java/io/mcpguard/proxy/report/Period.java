package io.mcpguard.proxy.report;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.Locale;

/** How the report cuts time: UTC days, ISO weeks or months, each named by its own label. */
enum Period {
    DAY,
    WEEK,
    MONTH;

    static Period of(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** The label of the period {@code at} falls in: {@code 2026-12-07}, {@code 2026-W50}, {@code 2026-12}. */
    String label(Instant at) {
        LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
        return switch (this) {
            case DAY -> day.toString();
            case WEEK -> {
                LocalDate monday = day.with(DayOfWeek.MONDAY);
                yield String.format(
                        Locale.ROOT,
                        "%d-W%02d",
                        monday.get(IsoFields.WEEK_BASED_YEAR),
                        monday.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            }
            case MONTH -> String.format(Locale.ROOT, "%d-%02d", day.getYear(), day.getMonthValue());
        };
    }
}
