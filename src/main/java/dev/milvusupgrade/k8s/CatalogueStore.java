package dev.milvusupgrade.k8s;

import dev.milvusupgrade.plan.Catalogue;
import dev.milvusupgrade.plan.CatalogueFile;
import dev.milvusupgrade.plan.Checked;
import dev.milvusupgrade.plan.Intent;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;

/**
 * The release catalogue of a run: the bundled one, with the user catalogue named by the intent key
 * {@code releaseCatalogue} on top (key {@code releases} of a ConfigMap in the intent's namespace,
 * in the format of the bundled file). Any problem is a refusal, never a partial read.
 */
public final class CatalogueStore {

    /** The data key of the user catalogue ConfigMap. */
    public static final String KEY = "releases";

    private CatalogueStore() {
    }

    public static Checked<Catalogue> load(KubernetesClient client, String namespace, Optional<String> name) {
        if (name.isEmpty()) {
            return Checked.ok(Catalogue.builtIn());
        }
        String origin = "release catalogue ConfigMap " + namespace + "/" + name.get();
        ConfigMap cm;
        try {
            cm = client.configMaps().inNamespace(namespace).withName(name.get()).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 403) {
                throw e;
            }
            return Checked.refused("this tool may not read the " + origin + " (403 Forbidden)",
                    "let the milvus-upgrade Role get that ConfigMap, or remove the intent key " + Intent.RELEASE_CATALOGUE);
        }
        if (cm == null) {
            return Checked.refused(origin + " named by the intent key " + Intent.RELEASE_CATALOGUE + " does not exist",
                    "create it with the key " + KEY + " (README: The catalogue), or remove the intent key");
        }
        String text = cm.getData() == null ? null : cm.getData().get(KEY);
        if (text == null) {
            return Checked.refused(origin + " has no key '" + KEY + "'", "put the release lines under data." + KEY);
        }
        return CatalogueFile.parse(text, origin).map(c -> Catalogue.builtIn().with(c, origin));
    }
}
