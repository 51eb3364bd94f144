package dev.milvusupgrade.nativeimage;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** What the {@code native} profile of this project's pom.xml leaves out of compilation and adds to it. */
final class NativeProfile {

    private static final List<String> EXCLUDES = texts(compilerConfiguration(), "exclude");
    private static final List<PathMatcher> MATCHERS = EXCLUDES.stream().map(p -> FileSystems.getDefault().getPathMatcher("glob:" + p))
            .toList();

    private NativeProfile() {
    }

    /** The compiler's exclude patterns of the native profile (relative to each source root). */
    static List<String> excludes() {
        return EXCLUDES;
    }

    /** The compiler's source roots under the native profile. */
    static List<String> sourceRoots() {
        return texts(compilerConfiguration(), "compileSourceRoot");
    }

    /** Whether the native profile leaves this class's source file out of compilation. */
    static boolean excludes(String className) {
        String outer = className.contains("$") ? className.substring(0, className.indexOf('$')) : className;
        Path source = Path.of(outer.replace('.', '/') + ".java");
        return MATCHERS.stream().anyMatch(m -> m.matches(source));
    }

    private static Element compilerConfiguration() {
        Document pom = pom();
        NodeList profiles = pom.getElementsByTagName("profile");
        for (int i = 0; i < profiles.getLength(); i++) {
            Element profile = (Element) profiles.item(i);
            if (!"native".equals(child(profile, "id").getTextContent().trim())) {
                continue;
            }
            NodeList plugins = profile.getElementsByTagName("plugin");
            for (int j = 0; j < plugins.getLength(); j++) {
                Element plugin = (Element) plugins.item(j);
                NodeList configurations = plugin.getElementsByTagName("configuration");
                if ("maven-compiler-plugin".equals(child(plugin, "artifactId").getTextContent().trim())
                        && configurations.getLength() == 1) {
                    return (Element) configurations.item(0);
                }
            }
        }
        throw new AssertionError("pom.xml has no maven-compiler-plugin configuration in its native profile");
    }

    private static Document pom() {
        try {
            return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        } catch (Exception e) {
            throw new AssertionError("cannot read pom.xml from " + Path.of("").toAbsolutePath(), e);
        }
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no <" + name + "> in <" + parent.getTagName() + "> of pom.xml");
    }

    private static List<String> texts(Element parent, String tag) {
        List<String> out = new ArrayList<>();
        NodeList nodes = parent.getElementsByTagName(tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add(nodes.item(i).getTextContent().trim());
        }
        return out;
    }
}
