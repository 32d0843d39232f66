package dev.distill.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module rules of DESIGN.md, checked on the compiled classes: each deployable carries
 * only what it runs, and services never import each other. (The poms' enforcer rules check
 * the same on the dependency trees.)
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.distill");
  }

  private static void check(ArchRule rule) {
    rule.allowEmptyShould(true).check(classes);
  }

  @Test
  void contractHasNoKafkaNoMlEngineNoHttpServer() {
    check(noClasses().that().resideInAPackage("dev.distill.contract..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "org.apache.kafka..", "ai.djl..", "ai.onnxruntime..", "io.javalin..", "org.eclipse.jetty..",
            "dev.distill.platform..", "dev.distill.kafka.."));
  }

  @Test
  void platformHasNoMlEngineAndKnowsNoService() {
    check(noClasses().that().resideInAPackage("dev.distill.platform..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "ai.djl..", "ai.onnxruntime..", "dev.distill.kafka..", "dev.distill.scorer..",
            "dev.distill.trainer..", "dev.distill.publisher..", "dev.distill.client..", "dev.distill.cli.."));
  }

  @Test
  void scorerNeverUsesDjlNorAnotherService() {
    check(noClasses().that().resideInAPackage("dev.distill.scorer..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "ai.djl..", "dev.distill.trainer..", "dev.distill.publisher..", "dev.distill.client..",
            "dev.distill.cli..", "dev.distill.kafka..", "kafka.."));
  }

  @Test
  void trainerKnowsNoOtherService() {
    check(noClasses().that().resideInAPackage("dev.distill.trainer..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.distill.scorer..", "dev.distill.publisher..", "dev.distill.client..",
            "dev.distill.cli..", "dev.distill.kafka..", "kafka.."));
  }

  @Test
  void publisherHasNoMlEngineAndKnowsNoOtherService() {
    check(noClasses().that().resideInAPackage("dev.distill.publisher..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "ai.djl..", "ai.onnxruntime..", "dev.distill.scorer..", "dev.distill.trainer..",
            "dev.distill.client..", "dev.distill.cli..", "dev.distill.kafka..", "kafka.."));
  }

  @Test
  void edgeClientNeverSpeaksKafka() {
    check(noClasses().that().resideInAPackage("dev.distill.client..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "org.apache.kafka..", "kafka..", "dev.distill.platform..", "dev.distill.scorer..",
            "dev.distill.trainer..", "dev.distill.publisher..", "dev.distill.cli..", "dev.distill.kafka.."));
  }

  @Test
  void embeddedBrokerIsUsedOnlyByTheCliAndTheBench() {
    check(noClasses().that().resideOutsideOfPackages("dev.distill.kafka..", "dev.distill.cli..", "dev.distill.bench..")
        .should().dependOnClassesThat().resideInAPackage("dev.distill.kafka.."));
  }
}
