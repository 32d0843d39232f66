package dev.distill.contract.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataHomeTest {
    @TempDir
    Path dir;

    private static Properties props(String... keyValues) {
        Properties properties = new Properties();
        properties.setProperty("user.home", "/home/someone");
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return properties;
    }

    @Test
    void systemPropertyWinsOverEnvironment() {
        DataHome home = DataHome.resolve(props("distill.home", "/opt/distill"), Map.of("DISTILL_HOME", "/srv/x"));

        assertThat(home.root()).isEqualTo(Path.of("/opt/distill"));
    }

    @Test
    void environmentIsUsedWithoutProperty() {
        DataHome home = DataHome.resolve(props(), Map.of("DISTILL_HOME", "/srv/distill"));

        assertThat(home.root()).isEqualTo(Path.of("/srv/distill"));
    }

    @Test
    void blankSettingsFallBackToDotDistillInTheUserHome() {
        DataHome home = DataHome.resolve(props("distill.home", " "), Map.of("DISTILL_HOME", ""));

        assertThat(home.root()).isEqualTo(Path.of("/home/someone/.distill"));
        assertThat(home.datasetDir(Dataset.FASHION_MNIST)).isEqualTo(Path.of("/home/someone/.distill/data/fashion-mnist"));
    }

    @Test
    void datasetFilePrefersTheRawFileAndFallsBackToGzip() throws IOException {
        DataHome home = DataHome.at(dir);
        Path folder = Files.createDirectories(home.datasetDir(Dataset.MNIST));
        Files.createFile(folder.resolve("t10k-labels-idx1-ubyte.gz"));
        Files.createFile(folder.resolve("train-labels-idx1-ubyte"));
        Files.createFile(folder.resolve("train-labels-idx1-ubyte.gz"));

        assertThat(home.datasetFile(Dataset.MNIST, "t10k-labels-idx1-ubyte"))
                .contains(folder.resolve("t10k-labels-idx1-ubyte.gz"));
        assertThat(home.datasetFile(Dataset.MNIST, "train-labels-idx1-ubyte"))
                .contains(folder.resolve("train-labels-idx1-ubyte"));
        assertThat(home.datasetFile(Dataset.MNIST, "train-images-idx3-ubyte")).isEmpty();
    }
}
