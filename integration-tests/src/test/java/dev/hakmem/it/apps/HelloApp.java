package dev.hakmem.it.apps;

/** Does nothing but say that {@code main} ran. */
public final class HelloApp {
    private HelloApp() {
    }

    public static void main(String[] args) {
        System.out.println("main ran");
        Checks.ok();
    }
}
