import AITBCCLI
import ArgumentParser

/// Thin entry point: all commands live in AITBCCLI so tests can parse and run them in-process.
@main enum AITBCMain {
    static func main() async {
        await AITBCCommand.main()
    }
}
