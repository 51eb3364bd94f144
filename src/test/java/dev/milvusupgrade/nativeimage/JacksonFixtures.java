package dev.milvusupgrade.nativeimage;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;

/** Code that binds records with Jackson, for JacksonBindingTest's discovery (read as bytecode, never run). */
final class JacksonFixtures {

    private JacksonFixtures() {
    }

    record Part(String name) {
    }

    record Read(String name, List<Part> parts) {
    }

    record Written(int count) {
    }

    static final class Reader {
        Read read(String text) throws IOException {
            return new ObjectMapper().readValue(text, Read.class);
        }
    }

    static final class Writer {
        String write(int count) throws IOException {
            return new ObjectMapper().writeValueAsString(new Written(count));
        }
    }
}
