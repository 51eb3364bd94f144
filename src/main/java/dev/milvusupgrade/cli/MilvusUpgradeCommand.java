package dev.milvusupgrade.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

@TopCommand
@Command(name = "milvus-upgrade", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Upgrades an operator-managed Milvus cluster from 2.5.x to 2.6.x, stage by stage.",
        subcommands = {RunCommand.class, PlanCommand.class, StatusCommand.class, DemoCommand.class})
public class MilvusUpgradeCommand {
}
