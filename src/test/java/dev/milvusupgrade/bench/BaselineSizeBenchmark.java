package dev.milvusupgrade.bench;

import dev.milvusupgrade.k8s.BaselineCodec;
import dev.milvusupgrade.k8s.BaselineStore;
import dev.milvusupgrade.plan.DataSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

/**
 * What the kept baseline (issue 21 item 6) takes: {@link BaselineCodec} bytes (what a ConfigMap's binaryData counts)
 * and base64 characters (what the Lease annotation holds) for 1 000 and 10 000 collections, with Int64 auto-id keys
 * and with VarChar UUID keys, and how long encoding and decoding take. Not a test; rerun with
 * {@code ./mvnw -B -q -o test-compile && java -cp target/classes:target/test-classes dev.milvusupgrade.bench.BaselineSizeBenchmark}.
 * The collections are what a real cluster has: a distinct schema each (so 32 incompressible fingerprint bytes), two
 * indexes, every other one loaded with 10 sampled keys, every tenth with a TTL.
 */
public final class BaselineSizeBenchmark {

    private BaselineSizeBenchmark() {
    }

    static DataSnapshot cluster(int n, boolean uuidKeys) throws NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        List<DataSnapshot.Collection> cs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean loaded = i % 2 == 0;
            long base = 449_000_000_000_000_000L + 7_919L * i * 1_000_003L;
            int c = i;
            List<String> keys = !loaded ? List.of() : IntStream.range(0, 10).mapToObj(k -> uuidKeys
                    ? UUID.nameUUIDFromBytes((c + "/" + k).getBytes(StandardCharsets.UTF_8)).toString() : Long.toString(base + k * 13L))
                        .toList();
            String fingerprint = HexFormat.of().formatHex(sha.digest(("schema " + i).getBytes(StandardCharsets.UTF_8)));
            cs.add(new DataSnapshot.Collection(String.format("tenant_%05d_documents", i), 1_000L * i + 17, loaded ? "LoadStateLoaded"
                    : "LoadStateNotLoad", List.of(new DataSnapshot.Index("embedding_idx", "Finished"),
                        new DataSnapshot.Index("kind_idx", "Finished")),
                    fingerprint, i % 10 == 0 ? 86_400 : 0, loaded ? 1_000L * i + 17 : DataSnapshot.Collection.NOT_COUNTED, keys));
        }
        return new DataSnapshot(List.of(new DataSnapshot.Database("default", cs.subList(0, n / 2)),
                new DataSnapshot.Database("tenants", cs.subList(n / 2, n))));
    }

    public static void main(String[] args) throws IOException, NoSuchAlgorithmException {
        System.out.println("| collections | keys | bytes (ConfigMap binaryData) | base64 (Lease) | where | encode ms | decode ms |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int n : new int[] {1_000, 10_000}) {
            for (boolean uuid : new boolean[] {false, true}) {
                BaselineCodec.Baseline b = new BaselineCodec.Baseline(cluster(n, uuid), "milvus_upgrade_canary_0123abcd");
                byte[] bytes = BaselineCodec.encode(b);
                for (int warm = 0; warm < 3; warm++) {
                    BaselineCodec.decode(BaselineCodec.encode(b));
                }
                List<Long> enc = new ArrayList<>();
                List<Long> dec = new ArrayList<>();
                for (int run = 0; run < 5; run++) {
                    long t0 = System.nanoTime();
                    bytes = BaselineCodec.encode(b);
                    long t1 = System.nanoTime();
                    BaselineCodec.decode(bytes);
                    long t2 = System.nanoTime();
                    enc.add(t1 - t0);
                    dec.add(t2 - t1);
                }
                int base64 = (bytes.length + 2) / 3 * 4;
                // Compile-time constants: BaselineStore (and fabric8) need not load.
                String where = base64 <= BaselineStore.LEASE_BUDGET ? "Lease" : bytes.length <= BaselineStore.CONFIGMAP_BUDGET ? "ConfigMap"
                        : "refused";
                System.out.printf("| %d | %s | %d | %d | %s | %.1f | %.1f |%n", n, uuid ? "VarChar UUID" : "Int64 auto-id", bytes.length,
                        base64, where,
                        median(enc) / 1e6, median(dec) / 1e6);
            }
        }
    }

    private static long median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        s.sort(null);
        return s.get(s.size() / 2);
    }
}
