package dev.milvusupgrade.plan;

import static dev.milvusupgrade.plan.Snapshots.FOUR_COORDS;
import static dev.milvusupgrade.plan.Snapshots.MIXCOORD_25;
import static dev.milvusupgrade.plan.Snapshots.MIXCOORD_26;
import static dev.milvusupgrade.plan.Snapshots.healthy;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** No plan can ever patch a field of the Milvus resource outside the fields the tool writes. */
class PatchFieldsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Intent intent(String target, String repository) {
        Map<String, String> m = new HashMap<>(Map.of("milvus", "my-release", "targetVersion", target));
        if (repository != null) {
            m.put("imageRepository", repository);
        }
        Checked<Intent> parsed = Intent.parse(m, Instant.parse("2026-11-24T22:00:00Z"));
        return parsed instanceof Checked.Ok<Intent> ok ? ok.value() : null;
    }

    @Test
    void every_stage_patch_of_every_plan_sets_only_the_image_and_mixcoord_replicas() throws Exception {
        List<ClusterSnapshot> clusters = new ArrayList<>();
        for (String image : List.of("milvusdb/milvus:v2.5.4", "milvusdb/milvus:v2.5.16", "registry.local:5000/milvusdb/milvus:2.5.8",
                "milvusdb/milvus:v2.5.8-gpu", "milvusdb/milvus:v2.6.2")) {
            for (Set<Component> layout : List.of(FOUR_COORDS, MIXCOORD_25, MIXCOORD_26)) {
                clusters.add(healthy(image, layout));
            }
        }
        // Whatever the intent's repository says (quotes, braces, a JSON fragment), it can only be the image's value.
        List<String> repositories = new ArrayList<>(List.of("mirror.local/milvus", "registry.local:5000/a/b/milvus"));
        repositories.add("x\",\"spec\":{\"replicas\":0},\"y");
        repositories.add("milvus\"}},\"metadata\":{\"labels\":{\"a\":\"b\"");
        repositories.add(null);
        JobPolicy allowAll = new JobPolicy(repositories.stream().filter(r -> r != null).toList());
        int patches = 0;
        for (ClusterSnapshot s : clusters) {
            for (String target : List.of("v2.6.4", "v2.6.11", "v2.5.16")) {
                for (String repository : repositories) {
                    Intent i = intent(target, repository);
                    if (i == null) {
                        continue; // refused by the intent's own parse: nothing planned
                    }
                    if (allowAll.plan(i, s) instanceof Decision.Staged staged) {
                        for (Stage stage : staged.plan().stages()) {
                            Map<?, ?> patch = JSON.readValue(stage.patch(), Map.class);
                            assertThat(PatchFields.outside(patch)).as(stage.patch()).isEmpty();
                            patches++;
                        }
                    }
                }
            }
        }
        assertThat(patches).as("plans were made").isGreaterThan(20);
    }

    @Test
    void any_other_field_is_named_and_a_look_alike_path_is_not_taken_for_the_annotation() throws Exception {
        assertThat(PatchFields.outside(JSON.readValue("{\"spec\":{\"components\":{\"image\":\"a\",\"proxy\":{\"replicas\":0}}},"
                + "\"metadata\":{\"resourceVersion\":\"1\",\"labels\":{\"x\":\"y\"}}}", Map.class)))
                .containsExactlyInAnyOrder("spec.components.proxy.replicas", "metadata.labels.x");
        // The same dotted text as the restart annotation, but other keys: refused.
        assertThat(PatchFields.outside(JSON.readValue("{\"spec\":{\"components\":{\"mixCoord\":{\"podAnnotations\":{\"milvus-upgrade\":"
                + "{\"dev/restarted-at\":\"now\"}}}}}}", Map.class))).hasSize(1);
        assertThat(PatchFields.outside(JSON.readValue("{\"spec\":{\"components\":{\"streamingNode\":{\"podAnnotations\":"
                + "{\"milvus-upgrade.dev/restarted-at\":\"now\"}}}}}", Map.class))).isEmpty();
        assertThat(PatchFields.outside(JSON.readValue("{\"spec\":{\"components\":null}}", Map.class))).containsExactly("spec.components");
    }
}
