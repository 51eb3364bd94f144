package dev.milvusupgrade.k8s;

import dev.milvusupgrade.plan.DataSnapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The data check's full baseline (issue 21) as bytes: every database and collection with its get_stats row count,
 * count(*), load state, TTL, schema fingerprint, indexes and sampled primary keys, plus the canary's name. Compact,
 * versioned and bounded: the magic {@code MUB}, a format byte ({@value #VERSION}), then a gzip stream of
 * length-prefixed fields (unsigned LEB128 varints; signed values zig-zag; a SHA-256 hex fingerprint as the 8 bytes
 * of its first {@value #FINGERPRINT_HEX} hex digits; Int64 keys as zig-zag deltas, canonical UUID keys as 16 bytes).
 * Reading is hostile-input safe: every count and length is bounded, the
 * inflated size is capped at {@link #MAX_INFLATED}, and anything that does not parse is an {@link IOException}.
 */
public final class BaselineCodec {

    /** The format this version writes and the only one it reads. */
    public static final int VERSION = 1;
    /** More than this many inflated bytes is not a baseline this tool wrote. */
    static final int MAX_INFLATED = 64 * 1024 * 1024;
    private static final byte[] MAGIC = {'M', 'U', 'B'};
    private static final int MAX_TEXT = 1024 * 1024;
    private static final int MAX_ITEMS = 10_000_000;
    /**
     * How much of a SHA-256 schema fingerprint is kept: 64 bits (16 hex digits), which {@code DataCheck} compares as a
     * prefix of the fresh one; a changed schema passes for the same with a chance of 2^-64, and 10 000 collections save
     * 240 kB.
     */
    public static final int FINGERPRINT_HEX = 16;
    private static final String[] LOAD_STATES = {"LoadStateNotLoad", "LoadStateLoaded", "LoadStateLoading"};

    /** A baseline as kept: the snapshot and the canary's name (empty without one). */
    public record Baseline(DataSnapshot snapshot, String canary) {
    }

    private BaselineCodec() {
    }

    public static byte[] encode(Baseline b) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(MAGIC);
        bytes.write(VERSION);
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            text(gz, b.canary());
            uint(gz, b.snapshot().databases().size());
            for (DataSnapshot.Database db : b.snapshot().databases()) {
                text(gz, db.name());
                uint(gz, db.collections().size());
                for (DataSnapshot.Collection c : db.collections()) {
                    collection(gz, c);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the baseline in memory", e);
        }
        return bytes.toByteArray();
    }

    private static void collection(OutputStream out, DataSnapshot.Collection c) throws IOException {
        text(out, c.name());
        sint(out, c.rowCount());
        sint(out, c.queryCount());
        int state = List.of(LOAD_STATES).indexOf(c.loadState());
        uint(out, state < 0 ? LOAD_STATES.length : state);
        if (state < 0) {
            text(out, c.loadState());
        }
        sint(out, c.ttlSeconds());
        String f = c.schemaFingerprint();
        if (f.length() >= FINGERPRINT_HEX && f.chars().allMatch(ch -> ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f')) {
            uint(out, 0);
            out.write(HexFormat.of().parseHex(f.substring(0, FINGERPRINT_HEX)));
        } else {
            uint(out, 1);
            text(out, f);
        }
        uint(out, c.indexes().size());
        for (DataSnapshot.Index i : c.indexes()) {
            text(out, i.name());
            text(out, i.state());
        }
        boolean numeric = c.sample().stream().allMatch(BaselineCodec::isLong);
        boolean uuids = !numeric && c.sample().stream().allMatch(BaselineCodec::isUuid);
        uint(out, numeric ? 0 : uuids ? 2 : 1);
        uint(out, c.sample().size());
        long last = 0;
        for (String k : c.sample()) {
            if (numeric) {
                long v = Long.parseLong(k);
                sint(out, v - last);
                last = v;
            } else if (uuids) {
                out.write(HexFormat.of().parseHex(k.replace("-", "")));
            } else {
                text(out, k);
            }
        }
    }

    /** Decodes what {@link #encode} wrote; an {@link IOException} says why it cannot be read. */
    public static Baseline decode(byte[] data) throws IOException {
        if (data.length < MAGIC.length + 1 || data[0] != MAGIC[0] || data[1] != MAGIC[1] || data[2] != MAGIC[2]) {
            throw new IOException("not a baseline written by milvus-upgrade");
        }
        if (data[3] != VERSION) {
            throw new IOException("baseline format " + (data[3] & 0xff)
                    + ", a format this version of milvus-upgrade does not know (it reads "
                    + VERSION + ")");
        }
        try (InputStream in = new Bounded(new GZIPInputStream(new ByteArrayInputStream(data, 4, data.length - 4)), MAX_INFLATED)) {
            String canary = text(in);
            int dbs = count(in);
            List<DataSnapshot.Database> out = new ArrayList<>();
            for (int d = 0; d < dbs; d++) {
                String name = text(in);
                int n = count(in);
                List<DataSnapshot.Collection> cs = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    cs.add(collection(in));
                }
                out.add(new DataSnapshot.Database(name, cs));
            }
            if (in.read() != -1) {
                throw new IOException("bytes after the last collection");
            }
            return new Baseline(new DataSnapshot(out), canary);
        } catch (EOFException e) {
            throw new IOException("cut short", e);
        } catch (RuntimeException e) {
            throw new IOException("does not parse (" + e.getMessage() + ")", e);
        }
    }

    private static DataSnapshot.Collection collection(InputStream in) throws IOException {
        String name = text(in);
        long rows = sint(in);
        long count = sint(in);
        int state = count(in);
        String load = state < LOAD_STATES.length ? LOAD_STATES[state] : text(in);
        long ttl = sint(in);
        String fingerprint = switch (count(in)) {
            case 0 -> HexFormat.of().formatHex(exactly(in, FINGERPRINT_HEX / 2));
            case 1 -> text(in);
            default -> throw new IOException("unknown fingerprint form");
        };
        int ni = count(in);
        List<DataSnapshot.Index> indexes = new ArrayList<>();
        for (int i = 0; i < ni; i++) {
            indexes.add(new DataSnapshot.Index(text(in), text(in)));
        }
        int form = count(in);
        if (form > 2) {
            throw new IOException("unknown key form");
        }
        int nk = count(in);
        List<String> keys = new ArrayList<>();
        long last = 0;
        for (int i = 0; i < nk; i++) {
            if (form == 0) {
                last += sint(in);
                keys.add(Long.toString(last));
            } else if (form == 2) {
                String h = HexFormat.of().formatHex(exactly(in, 16));
                keys.add(h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20) + "-"
                        + h.substring(20));
            } else {
                keys.add(text(in));
            }
        }
        return new DataSnapshot.Collection(name, rows, load, indexes, fingerprint, ttl, count, keys);
    }

    /** The first 16 hex digits of the SHA-256 of {@code data}: what the record keeps to know the baseline is its own. */
    public static String digest(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256", e);
        }
    }

    /** A canonical lower-case UUID, which comes back from its 16 bytes exactly. */
    private static boolean isUuid(String k) {
        if (k.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char ch = k.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? ch != '-' : !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLong(String k) {
        if (k.isEmpty() || k.length() > 20) {
            return false;
        }
        try {
            return Long.toString(Long.parseLong(k)).equals(k);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void uint(OutputStream out, long v) throws IOException {
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static void sint(OutputStream out, long v) throws IOException {
        uint(out, (v << 1) ^ (v >> 63));
    }

    private static void text(OutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        uint(out, b.length);
        out.write(b);
    }

    private static long uint(InputStream in) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException();
            }
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("a number longer than 64 bits");
    }

    private static long sint(InputStream in) throws IOException {
        long u = uint(in);
        return (u >>> 1) ^ -(u & 1);
    }

    private static int count(InputStream in) throws IOException {
        long n = uint(in);
        if (n > MAX_ITEMS) {
            throw new IOException("a count of " + n);
        }
        return (int) n;
    }

    private static String text(InputStream in) throws IOException {
        long n = uint(in);
        if (n > MAX_TEXT) {
            throw new IOException("a text of " + n + " bytes");
        }
        return new String(exactly(in, (int) n), StandardCharsets.UTF_8);
    }

    private static byte[] exactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new EOFException();
        }
        return b;
    }

    /** Stops reading after {@code max} bytes: a small gzip may inflate to gigabytes. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private long left;

        Bounded(InputStream in, long max) {
            this.in = in;
            this.left = max;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                throw new IOException("more than " + MAX_INFLATED + " bytes inflated");
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (left <= 0) {
                throw new IOException("more than " + MAX_INFLATED + " bytes inflated");
            }
            int n = in.read(buf, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
