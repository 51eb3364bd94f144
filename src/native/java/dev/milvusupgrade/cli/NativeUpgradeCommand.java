package dev.milvusupgrade.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

/**
 * The top command of the native binary (compiled only under {@code -Pnative}, in place of MilvusUpgradeCommand): the
 * production commands, without {@code demo}, so that the simulator, the embedded API server and the fabric8 mock server
 * are not in the binary. NativeProfileTest checks that its subcommands are the jar's minus DemoCommand.
 */
@TopCommand
@Command(name = TopCommandText.NAME, mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = TopCommandText.DESCRIPTION,
        subcommands = {RunCommand.class, PlanCommand.class, StatusCommand.class})
public class NativeUpgradeCommand {
}
