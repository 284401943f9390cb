package dev.hakmem.samples.nio;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One parsed request. Its head is copied out of the connection's buffer into a direct buffer of its own,
 * as servers that hand a request to other code keep it; the request, and with it that buffer, is left
 * to the garbage collector once answered.
 */
final class Request {
    final ByteBuffer head;
    final String method;
    final String path;
    final boolean keepAlive;
    final long contentLength;

    private Request(ByteBuffer head, String method, String path, boolean keepAlive, long contentLength) {
        this.head = head;
        this.method = method;
        this.path = path;
        this.keepAlive = keepAlive;
        this.contentLength = contentLength;
    }

    /**
     * Parses the head in {@code in}'s bytes {@code [0, end)} (which end with an empty line).
     *
     * @param copyCapacity at least {@code end}: the size of the request's own buffer
     * @return the request, or null if the head is not HTTP/1.x
     */
    static Request parse(ByteBuffer in, int end, int copyCapacity) {
        ByteBuffer head = ByteBuffer.allocateDirect(copyCapacity); // site:request-copy
        head.put(0, in, 0, end).limit(end);
        String text = StandardCharsets.ISO_8859_1.decode(head.duplicate()).toString();
        String[] lines = text.split("\r\n");
        String[] requestLine = lines[0].split(" ");
        if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
            return null;
        }
        boolean keepAlive = requestLine[2].equals("HTTP/1.1");
        long contentLength = 0;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).trim();
            String value = lines[i].substring(colon + 1).trim();
            if (name.equalsIgnoreCase("connection")) {
                keepAlive = value.equalsIgnoreCase("keep-alive") || (keepAlive && !value.equalsIgnoreCase("close"));
            } else if (name.equalsIgnoreCase("content-length")) {
                try {
                    contentLength = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return new Request(head, requestLine[0], requestLine[1], keepAlive, contentLength);
    }
}
