package dev.milvusupgrade.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "demo", description = "Runs a full staged upgrade against an embedded simulated cluster; no cluster needed.")
public class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("demo: not wired yet");
        return 1;
    }
}
