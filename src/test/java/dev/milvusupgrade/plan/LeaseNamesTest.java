package dev.milvusupgrade.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one rule for this tool's Lease names: plain where it can be, never colliding, never too long. */
class LeaseNamesTest {

    /** What the API server accepts as a Lease name: a DNS-1123 subdomain of at most 253 characters. */
    static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        "milvus|my-release|milvus-upgrade-my-release",
        "milvus|a|milvus-upgrade-a",
        "milvus|db.prod|milvus-upgrade-db.prod",
        "fleet|milvus-upgrade|milvus-upgrade-fleet-milvus-upgrade",
        "fleet|fleet-x|milvus-upgrade-fleet-fleet-x",
    })
    void ordinary_names_keep_the_plain_form_the_rbac_names(String kind, String name, String lease) {
        assertThat(kind.equals("milvus") ? LeaseNames.milvus(name) : LeaseNames.fleet(name)).isEqualTo(lease);
    }

    @Test
    void a_milvus_named_like_a_fleet_intent_does_not_take_the_fleet_lease() {
        assertThat(LeaseNames.milvus("fleet-x")).isNotEqualTo(LeaseNames.fleet("x")).startsWith("milvus-upgrade-fleet-x-h")
                .hasSize(15 + 7 + 2 + 16);
    }

    @Test
    void a_name_that_looks_hashed_is_hashed_itself_so_it_cannot_forge_another_s_lease() {
        String forged = LeaseNames.milvus("fleet-x").substring("milvus-upgrade-".length());
        assertThat(LeaseNames.milvus(forged)).isNotEqualTo(LeaseNames.milvus("fleet-x"));
        String forgedFleet = LeaseNames.fleet("a".repeat(240)).substring("milvus-upgrade-fleet-".length());
        assertThat(LeaseNames.fleet(forgedFleet)).isNotEqualTo(LeaseNames.fleet("a".repeat(240)));
    }

    @ParameterizedTest(name = "{0} characters")
    @CsvSource({"238", "239", "253"})
    void the_longest_names_the_api_server_accepts_still_give_a_valid_lease_name(int length) {
        String name = "m".repeat(length - 2) + ".z";
        for (String lease : List.of(LeaseNames.milvus(name), LeaseNames.fleet(name))) {
            assertThat(lease.length()).as(lease).isLessThanOrEqualTo(253);
            assertThat(DNS_SUBDOMAIN.matcher(lease).matches()).as(lease).isTrue();
        }
        assertThat(LeaseNames.milvus(name).equals("milvus-upgrade-" + name)).isEqualTo(length <= 238);
    }

    @Test
    void a_cut_never_leaves_a_dot_or_dash_before_the_hash() {
        // 253 - 15 - 18 = 220 characters kept: make the 220th a dot, the 219th a dash.
        String name = "a".repeat(218) + "-." + "b".repeat(33);
        String lease = LeaseNames.milvus(name);
        assertThat(DNS_SUBDOMAIN.matcher(lease).matches()).as(lease).isTrue();
        assertThat(lease).startsWith("milvus-upgrade-" + "a".repeat(218) + "-h");
    }

    @Test
    void no_two_inputs_share_a_lease_name() {
        List<String> names = new ArrayList<>(List.of("a", "x", "fleet-x", "fleet", "fleet-0", "fleet-fleet-x", "my-release", "b.c"));
        names.add("m".repeat(238));
        names.add("m".repeat(239));
        names.add("m".repeat(253));
        names.add("m".repeat(232));
        names.add("m".repeat(233));
        names.add(LeaseNames.milvus("fleet-x").substring(15));
        names.add(LeaseNames.milvus("m".repeat(253)).substring(15));
        names.add(LeaseNames.fleet("m".repeat(253)).substring(21));
        Map<String, String> owner = new HashMap<>();
        for (String n : names) {
            for (String kind : List.of("milvus", "fleet")) {
                String lease = kind.equals("milvus") ? LeaseNames.milvus(n) : LeaseNames.fleet(n);
                assertThat(lease.length()).isLessThanOrEqualTo(LeaseNames.MAX);
                assertThat(DNS_SUBDOMAIN.matcher(lease).matches()).as(lease).isTrue();
                String before = owner.put(lease, kind + " " + n);
                assertThat(before).as(lease + " for " + kind + " " + n).isNull();
            }
        }
    }
}
