package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What a service writes for the cluster's log collector: one JSON object a line, the sentence formatted. */
class JsonLogTest {
  @SuppressWarnings("unchecked")
  @Test
  void aJsonLogLineCarriesTheFormattedMessageNotTheTemplate() throws Exception {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(JsonLogTest.class.getResource("/logback.xml"));
    var appender = (OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent>)
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("JSON");
    Encoder<ch.qos.logback.classic.spi.ILoggingEvent> encoder = appender.getEncoder();
    var logger = context.getLogger("dev.distill.test");
    LoggingEvent event = new LoggingEvent(JsonLogTest.class.getName(), logger, ch.qos.logback.classic.Level.INFO,
        "loaded {} from {} on {}", null, new Object[] {"teacher mnist v3", "/teachers/mnist/v3", "CPU"});
    String line = new String(encoder.encode(event), StandardCharsets.UTF_8);

    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(json.get("formattedMessage").asText()).isEqualTo("loaded teacher mnist v3 from /teachers/mnist/v3 on CPU");
    assertThat(line).doesNotContain("loaded {} from {}");
    assertThat(json.get("level").asText()).isEqualTo("INFO");
    assertThat(json.get("loggerName").asText()).isEqualTo("dev.distill.test");
    context.stop();
  }
}
