package dev.kiln.server.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals job secrets for the store with AES-256-GCM, under a key kept in a file of the data dir (mode 0600, made on
 * first use). A sealed value is bound to what it belongs to (a job id): moved to another row it does not open. The
 * database alone therefore never gives a secret away; the key file must be backed up with it.
 */
public final class SecretCipher {
    public static final String KEY_FILE = "secrets.key";
    private static final String PREFIX = "aesgcm1:";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path keyFile;
    private SecretKey key;

    public SecretCipher(Path keyFile) {
        this.keyFile = keyFile;
    }

    public static SecretCipher inDataDir(Path dataDir) {
        return new SecretCipher(dataDir.resolve(KEY_FILE));
    }

    public Path keyFile() {
        return keyFile;
    }

    public boolean hasKeyFile() {
        return Files.exists(keyFile);
    }

    /** True for what {@link #seal} made; anything else in a secrets column is from before secrets were sealed. */
    public static boolean isSealed(String stored) {
        return stored != null && stored.startsWith(PREFIX);
    }

    public String seal(String plaintext, String boundTo) {
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        byte[] sealed = run(Cipher.ENCRYPT_MODE, iv, boundTo, plaintext.getBytes(StandardCharsets.UTF_8));
        return PREFIX + Base64.getEncoder().encodeToString(ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed).array());
    }

    /** The plaintext; a clear error when the value was sealed under another key (or tampered with). */
    public String open(String stored, String boundTo) {
        if (!isSealed(stored)) throw new IllegalArgumentException("not a sealed value");
        byte[] all = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
        byte[] iv = java.util.Arrays.copyOfRange(all, 0, IV_BYTES);
        byte[] sealed = java.util.Arrays.copyOfRange(all, IV_BYTES, all.length);
        return new String(run(Cipher.DECRYPT_MODE, iv, boundTo, sealed), StandardCharsets.UTF_8);
    }

    private byte[] run(int mode, byte[] iv, String boundTo, byte[] input) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, key(), new GCMParameterSpec(TAG_BITS, iv));
            c.updateAAD(boundTo.getBytes(StandardCharsets.UTF_8));
            return c.doFinal(input);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new SecretKeyException("the job secrets in the database were not sealed with the key in " + keyFile
                    + ": restore the data dir's original " + KEY_FILE + " from the backup it was made with", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
        }
    }

    /** The key, read from its file, or made and written there (0600, atomically) if there is none yet. */
    public synchronized SecretKey key() {
        if (key != null) return key;
        try {
            if (!Files.exists(keyFile)) writeNewKey();
            byte[] bytes = Base64.getDecoder().decode(Files.readString(keyFile).strip());
            if (bytes.length != 32) throw new IllegalStateException(keyFile + " does not hold a 256-bit key");
            key = new SecretKeySpec(bytes, "AES");
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the secrets key " + keyFile + ": " + e.getMessage(), e);
        }
    }

    private void writeNewKey() throws IOException {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        Files.createDirectories(keyFile.getParent());
        Path tmp = keyFile.resolveSibling(KEY_FILE + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, Base64.getEncoder().encodeToString(bytes) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, keyFile, StandardCopyOption.ATOMIC_MOVE);
    }
}
