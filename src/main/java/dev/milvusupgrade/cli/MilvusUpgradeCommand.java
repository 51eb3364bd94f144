package dev.milvusupgrade.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

/** The top command of the jar. The native binary has its own, without {@code demo} (src/native/java, README "Build the native binary"). */
@TopCommand
@Command(name = TopCommandText.NAME, mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = TopCommandText.DESCRIPTION,
        subcommands = {RunCommand.class, PlanCommand.class, StatusCommand.class, DemoCommand.class})
public class MilvusUpgradeCommand {
}
