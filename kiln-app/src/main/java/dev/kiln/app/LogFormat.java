package dev.kiln.app;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import org.slf4j.LoggerFactory;

/**
 * {@code --log-format json|text}: text is logback.xml's pattern; json swaps each console appender's encoder for
 * Logback's own {@link JsonEncoder} (one JSON object per line), so no other library is needed.
 */
final class LogFormat {
    private LogFormat() {}

    static void apply(String format) {
        switch (format) {
            case "text" -> { }
            case "json" -> useJson((LoggerContext) LoggerFactory.getILoggerFactory());
            default -> throw new IllegalArgumentException("--log-format must be 'text' or 'json', not '" + format + "'");
        }
    }

    static void useJson(LoggerContext context) {
        for (var logger : context.getLoggerList()) {
            for (var it = logger.iteratorForAppenders(); it.hasNext(); ) {
                if (it.next() instanceof OutputStreamAppender<ILoggingEvent> appender) {
                    var encoder = new JsonEncoder();
                    encoder.setContext(context);
                    encoder.setWithFormattedMessage(true); // the message with its {} filled in, ready to read
                    encoder.start();
                    // at start, before the server logs: no event is being written while the encoder changes
                    appender.setEncoder(encoder);
                }
            }
        }
    }
}
