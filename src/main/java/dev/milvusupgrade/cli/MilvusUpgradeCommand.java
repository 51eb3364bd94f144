package dev.milvusupgrade.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

@TopCommand
@Command(name = "milvus-upgrade", mixinStandardHelpOptions = true, description = "Upgrades an operator-managed Milvus cluster.")
public class MilvusUpgradeCommand {
}
