package dev.milvusupgrade.plan;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.OptionalInt;

/**
 * Where the milvus-backup gate sits in a plan, and what the backup is called. There is no way back
 * from 2.6 to 2.5 by image: the last moment a cluster can still go back is before the first stage that
 * moves it to 2.6, so the backup is taken there.
 */
public final class BackupPoint {

    /** The stage record of the backup: its {@code image} holds the backup's name. */
    public static final String STAGE = "backup";

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneOffset.UTC);

    private BackupPoint() {
    }

    /**
     * The index of the stage the backup comes before: the first 2.6 stage of an upgrade from 2.5; for
     * an upgrade within 2.6 (no point of no return) the first stage, only when {@code always}.
     */
    public static OptionalInt before(Plan plan, boolean always) {
        if (!plan.from().isAtLeast(Catalogue.STREAMING_ERA)) {
            for (int i = 0; i < plan.stages().size(); i++) {
                if (plan.stages().get(i).version().isAtLeast(Catalogue.STREAMING_ERA)) {
                    return OptionalInt.of(i);
                }
            }
        }
        return always && !plan.stages().isEmpty() ? OptionalInt.of(0) : OptionalInt.empty();
    }

    /**
     * {@code milvus_upgrade_<namespace>_<name>_<start of the upgrade, UTC>}: what milvus-backup accepts
     * (letters, digits and underscores, a letter first, at most 128 characters: core/backup/func.go
     * ValidateName), the same for every run that resumes the upgrade, so a rerun finds it by name.
     */
    public static String name(String milvusRef, Instant upgradeStartedAt) {
        String base = "milvus_upgrade_" + milvusRef.replaceAll("[^A-Za-z0-9]", "_");
        String stamp = "_" + STAMP.format(upgradeStartedAt);
        return base.substring(0, Math.min(base.length(), 128 - ATTEMPT_ROOM - stamp.length())) + stamp;
    }

    /** Room kept at the end of a name for {@code _r<attempt>}: attempts up to 9999 stay within 128 characters. */
    static final int ATTEMPT_ROOM = 6;

    /**
     * The name of attempt {@code attempt} (1 is the first): {@code name} itself, then {@code <name>_r2}, {@code <name>_r3}, ...
     * A retry never reuses a name that failed: a failed backup may leave objects under its directory, and milvus-backup
     * then never starts a backup under that name again (milvus-rest FACTS "create").
     */
    public static String attempt(String name, int attempt) {
        if (attempt < 1 || attempt > 9999) {
            throw new IllegalArgumentException("a backup attempt is 1..9999, not " + attempt);
        }
        return attempt == 1 ? name : name + "_r" + attempt;
    }

    /** Which attempt of {@code name} the name {@code recorded} is; empty when it is none of them. */
    public static OptionalInt attemptOf(String recorded, String name) {
        if (recorded.equals(name)) {
            return OptionalInt.of(1);
        }
        String rest = recorded.startsWith(name + "_r") ? recorded.substring(name.length() + 2) : "";
        if (!rest.matches("[1-9][0-9]{0,3}") || Integer.parseInt(rest) < 2) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(Integer.parseInt(rest));
    }
}
