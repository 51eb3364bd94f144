package dev.milvusupgrade.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.milvusupgrade.plan.DataCheck;
import dev.milvusupgrade.plan.DataSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The kept baseline's encoding (issue 21 item 6): exact round-trip, bounded size, hostile bytes refused. */
class BaselineCodecTest {

    static String sha(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code n} collections as a real cluster has them: distinct schemas (fingerprints), two indexes, every other one
     * loaded and counted with 10 sampled Int64 keys of auto-id size (18 digits), every tenth with a TTL.
     */
    static DataSnapshot realistic(int n) {
        List<DataSnapshot.Collection> cs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean loaded = i % 2 == 0;
            long base = 449_000_000_000_000_000L + 7_919L * i * 1_000_003L;
            List<String> keys = loaded ? IntStream.range(0, 10).mapToObj(k -> Long.toString(base + k * 13L)).toList() : List.of();
            cs.add(new DataSnapshot.Collection(String.format("tenant_%05d_documents", i), 1_000L * i + 17, loaded ? "LoadStateLoaded"
                    : "LoadStateNotLoad", List.of(new DataSnapshot.Index("embedding_idx", "Finished"),
                        new DataSnapshot.Index("kind_idx", "Finished")),
                    sha("schema " + i), i % 10 == 0 ? 86_400 : 0, loaded ? 1_000L * i + 17 : DataSnapshot.Collection.NOT_COUNTED, keys));
        }
        return new DataSnapshot(List.of(new DataSnapshot.Database("default", cs.subList(0, n / 2)),
                new DataSnapshot.Database("tenants", cs.subList(n / 2, n))));
    }

    @Test
    void a_baseline_comes_back_exactly_as_it_was_encoded() throws IOException {
        DataSnapshot s = new DataSnapshot(List.of(
                new DataSnapshot.Database("default", List.of(
                        new DataSnapshot.Collection("books", 12_000, "LoadStateLoaded",
                                List.of(new DataSnapshot.Index("embedding_idx", "Finished")),
                                sha("books"), 0, 11_998, List.of("5", "-3", "9223372036854775807", "-9223372036854775808", "0")),
                        new DataSnapshot.Collection("archive", 50_000, "LoadStateNotLoad", List.of(), "not-a-sha", 0,
                                DataSnapshot.Collection.NOT_COUNTED, List.of()),
                        new DataSnapshot.Collection("slow", 7, "LoadStateLoading", List.of(), sha("slow"), 3_600,
                                DataSnapshot.Collection.TIMED_OUT, List.of()))),
                new DataSnapshot.Database("analytics", List.of(
                        new DataSnapshot.Collection("événements", 1_000_000, "LoadStateSomethingNew",
                                List.of(new DataSnapshot.Index("kind", "InProgress"), new DataSnapshot.Index("embedding_idx", "")),
                                sha("events"), 0, 1_000_000, List.of("k3", "007", "", "k\u00e9y"))))));
        BaselineCodec.Baseline b = new BaselineCodec.Baseline(s, "milvus_upgrade_canary_0123abcd");

        BaselineCodec.Baseline back = BaselineCodec.decode(BaselineCodec.encode(b));

        assertThat(back.canary()).isEqualTo(b.canary());
        assertThat(back.snapshot().databases()).hasSize(2);
        for (int d = 0; d < 2; d++) {
            List<DataSnapshot.Collection> was = s.databases().get(d).collections();
            List<DataSnapshot.Collection> is = back.snapshot().databases().get(d).collections();
            assertThat(back.snapshot().databases().get(d).name()).isEqualTo(s.databases().get(d).name());
            assertThat(is).hasSameSizeAs(was);
            for (int i = 0; i < was.size(); i++) {
                String f = was.get(i).schemaFingerprint();
                // A SHA-256 fingerprint keeps its first 16 hex digits; any other text as it is.
                String kept = f.length() == 64 ? f.substring(0, BaselineCodec.FINGERPRINT_HEX) : f;
                assertThat(is.get(i)).isEqualTo(new DataSnapshot.Collection(was.get(i).name(), was.get(i).rowCount(),
                        was.get(i).loadState(),
                        was.get(i).indexes(), kept, was.get(i).ttlSeconds(), was.get(i).queryCount(), was.get(i).sample()));
            }
        }
        assertThat(DataCheck.compare(back.snapshot(), s)).as("the kept baseline against the cluster it was taken from").isEmpty();
    }

    @Test
    void a_changed_schema_is_still_seen_against_a_kept_fingerprint() throws IOException {
        DataSnapshot s = realistic(4);
        DataSnapshot kept = BaselineCodec.decode(BaselineCodec.encode(new BaselineCodec.Baseline(s, ""))).snapshot();
        DataSnapshot.Collection c = s.databases().get(0).collections().get(0);
        DataSnapshot changed = new DataSnapshot(List.of(new DataSnapshot.Database("default", List.of(new DataSnapshot.Collection(c.name(),
                c.rowCount(), c.loadState(), c.indexes(), sha("another schema"), c.ttlSeconds(), c.queryCount(), c.sample()),
                s.databases().get(0).collections().get(1))), s.databases().get(1)));

        assertThat(DataCheck.compare(kept, changed)).extracting(DataCheck.Difference::describe)
                .containsExactly("default.tenant_00000_documents: schema changed");
    }

    @Test
    void uuid_keys_come_back_as_written_whatever_their_case() throws IOException {
        List<String> uuids = List.of("0f8fad5b-d9cb-469f-a165-70867728950e", "7c9e6679-7425-40de-944b-e07fc1f90ae7");
        List<String> mixed = List.of("0F8FAD5B-D9CB-469F-A165-70867728950E", "7c9e6679-7425-40de-944b-e07fc1f90ae7");
        for (List<String> keys : List.of(uuids, mixed)) {
            DataSnapshot s = new DataSnapshot(List.of(new DataSnapshot.Database("default", List.of(new DataSnapshot.Collection("u", 2,
                    "LoadStateLoaded", List.of(), "f", 0, 2, keys)))));
            assertThat(BaselineCodec.decode(BaselineCodec.encode(new BaselineCodec.Baseline(s, ""))).snapshot()).isEqualTo(s);
        }
    }

    @Test
    void the_encoding_is_deterministic_and_its_digest_names_it() {
        BaselineCodec.Baseline b = new BaselineCodec.Baseline(realistic(20), "");
        byte[] one = BaselineCodec.encode(b);
        assertThat(BaselineCodec.encode(b)).isEqualTo(one);
        assertThat(BaselineCodec.digest(one)).hasSize(16).isEqualTo(BaselineCodec.digest(BaselineCodec.encode(b)));
        assertThat(BaselineCodec.digest(BaselineCodec.encode(new BaselineCodec.Baseline(realistic(21), ""))))
                .isNotEqualTo(BaselineCodec.digest(one));
    }

    @Test
    void ten_thousand_collections_fit_one_config_map_and_a_few_hundred_the_lease() throws IOException {
        byte[] big = BaselineCodec.encode(new BaselineCodec.Baseline(realistic(10_000), ""));
        assertThat(big.length).as("10 000 collections").isLessThan(BaselineStore.CONFIGMAP_BUDGET);
        assertThat(BaselineStore.tooLarge(big.length)).isEmpty();
        assertThat(BaselineCodec.decode(big).snapshot().collectionCount()).isEqualTo(10_000);

        byte[] small = BaselineCodec.encode(new BaselineCodec.Baseline(realistic(200), ""));
        assertThat((small.length + 2) / 3 * 4).as("200 collections in base64").isLessThanOrEqualTo(BaselineStore.LEASE_BUDGET);
    }

    @Test
    void more_than_a_config_map_holds_is_refused_with_the_size() {
        assertThat(BaselineStore.tooLarge(BaselineStore.CONFIGMAP_BUDGET)).isEmpty();
        assertThat(BaselineStore.tooLarge(BaselineStore.CONFIGMAP_BUDGET + 1)).hasValueSatisfying(m -> assertThat(m)
                .isEqualTo("the data check's baseline takes 1040001 bytes compressed, more than the 1040000 one ConfigMap can keep"));
    }

    @Test
    void bytes_that_are_not_a_baseline_are_refused() {
        assertThatThrownBy(() -> BaselineCodec.decode("{\"json\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessage("not a baseline written by milvus-upgrade");
        assertThatThrownBy(() -> BaselineCodec.decode(new byte[] {'M', 'U', 'B'})).isInstanceOf(IOException.class);
    }

    @Test
    void another_format_version_is_refused_by_name() {
        byte[] b = BaselineCodec.encode(new BaselineCodec.Baseline(realistic(4), ""));
        b[3] = 2;
        assertThatThrownBy(() -> BaselineCodec.decode(b)).isInstanceOf(IOException.class)
                .hasMessage("baseline format 2, a format this version of milvus-upgrade does not know (it reads 1)");
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 20, 60})
    void a_baseline_cut_short_is_refused(int keep) {
        byte[] b = BaselineCodec.encode(new BaselineCodec.Baseline(realistic(40), "c"));
        assertThatThrownBy(() -> BaselineCodec.decode(Arrays.copyOf(b, keep))).isInstanceOf(IOException.class);
    }

    @Test
    void a_huge_count_or_text_is_refused_before_anything_is_allocated() throws IOException {
        // canary "" then a database count of 2^40
        assertThatThrownBy(() -> BaselineCodec.decode(framed(
                new byte[] {0, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x20})))
                .isInstanceOf(IOException.class).hasMessageContaining("a count of");
        // a canary name of 2^30 bytes
        assertThatThrownBy(() -> BaselineCodec.decode(framed(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04})))
                .isInstanceOf(IOException.class).hasMessageContaining("a text of");
    }

    @Test
    void bytes_after_the_last_collection_are_refused() throws IOException {
        assertThatThrownBy(() -> BaselineCodec.decode(framed(new byte[] {0, 0, 7}))).isInstanceOf(IOException.class)
                .hasMessage("bytes after the last collection");
    }

    private static byte[] framed(byte[] body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {'M', 'U', 'B', 1});
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(body);
        }
        return out.toByteArray();
    }
}
