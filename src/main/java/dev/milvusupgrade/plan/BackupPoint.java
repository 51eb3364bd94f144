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
        return base.substring(0, Math.min(base.length(), 128 - stamp.length())) + stamp;
    }
}
