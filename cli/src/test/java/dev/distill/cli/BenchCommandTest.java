package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.bench.Section;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandTest {
  private static String refused(String... args) {
    CommandLine cli = Distill.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute(args)).isEqualTo(1);
    return err.toString();
  }

  @Test
  void fewerThanFiveRoundsAreRefusedBeforeAnythingRuns() {
    assertThat(refused("bench", "--rounds", "3")).contains("--rounds must be at least 5");
  }

  @Test
  void anUnknownSectionIsNamedWithTheSectionsThereAre() {
    assertThat(refused("bench", "--only", "nope")).contains("no section 'nope'").contains("pipeline");
  }

  @Test
  void sectionNamesAreDistinct() {
    List<Section> sections = BenchCommand.sections();
    assertThat(new HashSet<>(sections.stream().map(Section::name).toList())).hasSize(sections.size());
  }
}
