package dev.distill.contract.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The folder where the project keeps its local files, such as data sets under {@code data/<name>/}.
 * It is resolved the same way by every program so that a data set fetched once serves the CLI, the
 * services and the tests alike.
 */
public record DataHome(Path root) {
    /** System property that names the home; wins over the environment so a test or a launcher can override it. */
    public static final String PROPERTY = "distill.home";
    public static final String ENVIRONMENT = "DISTILL_HOME";

    public DataHome {
        root = root.toAbsolutePath().normalize();
    }

    /** Resolves from {@code -Ddistill.home}, else {@code $DISTILL_HOME}, else {@code ~/.distill}. */
    public static DataHome resolve() {
        return resolve(System.getProperties(), System.getenv());
    }

    static DataHome resolve(Properties properties, Map<String, String> environment) {
        String property = properties.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return new DataHome(Path.of(property.trim()));
        }
        String env = environment.get(ENVIRONMENT);
        if (env != null && !env.isBlank()) {
            return new DataHome(Path.of(env.trim()));
        }
        return new DataHome(Path.of(properties.getProperty("user.home"), ".distill"));
    }

    public static DataHome at(Path root) {
        return new DataHome(root);
    }

    public Path dataDir() {
        return root.resolve("data");
    }

    public Path datasetDir(Dataset dataset) {
        return dataDir().resolve(dataset.cliName());
    }

    /**
     * The file of a data set as it is stored: {@code name} if present, else {@code name.gz}; empty when
     * neither exists.
     */
    public Optional<Path> datasetFile(Dataset dataset, String fileName) {
        return findIdxFile(datasetDir(dataset), fileName);
    }

    /** Looks for {@code name}, then {@code name.gz}, in a folder. */
    static Optional<Path> findIdxFile(Path dir, String fileName) {
        Path raw = dir.resolve(fileName);
        if (Files.isRegularFile(raw)) {
            return Optional.of(raw);
        }
        Path gz = dir.resolve(fileName + ".gz");
        return Files.isRegularFile(gz) ? Optional.of(gz) : Optional.empty();
    }
}
