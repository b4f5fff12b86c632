package dev.kiln.server.http;

import java.util.Arrays;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The server's listening sockets. Both speak HTTP/2 beside HTTP/1.1, so many dashboard tabs and streams share one
 * connection instead of each holding one of the browser's six per host: the plain port h2c by prior knowledge
 * (browsers use HTTP/2 only over TLS; API clients that know may use it here), the TLS port h2 chosen by ALPN.
 */
final class Connectors {
    private Connectors() {
    }

    /**
     * h2c for clients that start with the HTTP/2 preface; a request asking to {@code Upgrade: h2c} stays HTTP/1.1.
     * Java's HttpClient asks by default, so honouring it would move the agent, the CLI and every Java client onto
     * h2c unasked, where Jetty 11 answers a body it refuses unread (413: too large) and then resets the stream with
     * CANCEL, which the JDK client reports as a failed request instead of the 413 and its problem detail.
     */
    private static final class PriorKnowledgeH2c extends HTTP2CServerConnectionFactory {
        PriorKnowledgeH2c(HttpConfiguration http) {
            super(http);
        }

        @Override
        public Connection upgradeConnection(Connector connector, EndPoint endPoint, MetaData.Request request,
                                            HttpFields.Mutable response101) {
            return HttpMethod.PRI.is(request.getMethod()) ? super.upgradeConnection(connector, endPoint, request, response101) : null;
        }
    }

    static ServerConnector plain(Server server, HttpConfiguration http, String host, int port) {
        var h2c = new PriorKnowledgeH2c(http);
        h2c.setConnectProtocolEnabled(false); // see tls()
        var connector = new ServerConnector(server, new HttpConnectionFactory(http), h2c);
        connector.setHost(host);
        connector.setPort(port);
        return connector;
    }

    static ServerConnector tls(Server server, HttpConfiguration http, String host, TlsConfig tls) {
        var https = new HttpConfiguration(http);
        https.addCustomizer(new SecureRequestCustomizer()); // request.isSecure(): the session cookie gets Secure
        var h2 = new HTTP2ServerConnectionFactory(https);
        // WebSockets stay on HTTP/1.1: Javalin upgrades only an HTTP/1.1 request, so a browser must not be offered
        // WebSockets over HTTP/2 (RFC 8441); it then opens a connection of their own, outside the six per host
        h2.setConnectProtocolEnabled(false);
        var alpn = new ALPNServerConnectionFactory();
        alpn.setDefaultProtocol("http/1.1"); // a client that offers no ALPN
        var ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(tls.keystore().toAbsolutePath().toString());
        ssl.setKeyStorePassword(tls.password());
        ssl.setKeyStoreType("PKCS12");
        ssl.setCipherComparator(HTTP2Cipher.COMPARATOR); // h2 forbids some TLS 1.2 ciphers: offer allowed ones first
        ssl.setUseCipherSuitesOrder(true);
        var connector = new ServerConnector(server, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, h2,
                new HttpConnectionFactory(https));
        connector.setHost(host);
        connector.setPort(tls.port());
        return connector;
    }

    static int tlsPort(Server server) {
        return Arrays.stream(server.getConnectors())
                .filter(c -> c.getConnectionFactory(SslConnectionFactory.class) != null)
                .mapToInt(c -> ((ServerConnector) c).getLocalPort()).findFirst().orElse(-1);
    }
}
