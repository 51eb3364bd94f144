package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class VersionAndImageTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "v2.5.4, 2, 5, 4, '', false, v2.5.4",
        "2.5.16, 2, 5, 16, '', false, v2.5.16",
        "v2.5.16-gpu, 2, 5, 16, gpu, false, v2.5.16-gpu",
        "v2.6.0-rc1, 2, 6, 0, rc1, true, v2.6.0-rc1",
        "v2.6.0-rc.1, 2, 6, 0, rc.1, true, v2.6.0-rc.1",
        "1.3.8, 1, 3, 8, '', false, v1.3.8"})
    void parses_versions_and_image_tags(String text, int major, int minor, int patch, String suffix, boolean pre, String tag) {
        Version v = Version.parse(text).orElseThrow();
        assertThat(v).isEqualTo(new Version(major, minor, patch, suffix));
        assertThat(v.isPreRelease()).isEqualTo(pre);
        assertThat(v.variant()).isEqualTo(pre ? "" : suffix);
        assertThat(v.tag()).isEqualTo(tag);
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"latest", "master-20250101-abcdef", "", "v2", "2.5", "v2.5.x", "2.5.4.1", "v2.5.4+build"})
    void refuses_what_is_not_a_version(String text) {
        assertThat(Version.parse(text)).isEmpty();
    }

    @ParameterizedTest(name = "{0} < {1}")
    @CsvSource({"v2.6.0-rc1, v2.6.0", "v2.5.16, v2.6.0-rc1", "v2.5.9, v2.5.16", "v2.6.4, v2.6.11", "v2.5.99, v2.6.0"})
    void orders_like_semver_with_pre_releases_first(String lower, String higher) {
        assertThat(Version.parse(lower).orElseThrow()).isLessThan(Version.parse(higher).orElseThrow());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "milvusdb/milvus:v2.5.8|milvusdb/milvus|v2.5.8|",
        "registry.local:5000/milvusdb/milvus:v2.5.8|registry.local:5000/milvusdb/milvus|v2.5.8|",
        "registry.local:5000/milvusdb/milvus|registry.local:5000/milvusdb/milvus||",
        "milvusdb/milvus@sha256:abc123|milvusdb/milvus||sha256:abc123",
        "milvusdb/milvus:v2.5.8@sha256:abc123|milvusdb/milvus|v2.5.8|sha256:abc123"})
    void splits_image_references(String image, String repository, String tag, String digest) {
        ImageRef ref = ImageRef.parse(image).orElseThrow();
        assertThat(ref.repository()).isEqualTo(repository);
        assertThat(ref.tag()).isEqualTo(Optional.ofNullable(tag));
        assertThat(ref.digest()).isEqualTo(Optional.ofNullable(digest));
        assertThat(ref.toString()).isEqualTo(image);
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"", " ", "milvusdb/milvus:", "milvus db:v1", "milvusdb/milvus@"})
    void refuses_invalid_image_references(String image) {
        assertThat(ImageRef.parse(image)).isEmpty();
    }
}
