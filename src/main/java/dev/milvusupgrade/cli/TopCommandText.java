package dev.milvusupgrade.cli;

/** The top command's name and description, shared by the jar's command and the native binary's (src/native/java). */
final class TopCommandText {

    static final String NAME = "milvus-upgrade";
    static final String DESCRIPTION = "Upgrades an operator-managed Milvus cluster from 2.5.x to 2.6.x, stage by stage.";

    private TopCommandText() {
    }
}
