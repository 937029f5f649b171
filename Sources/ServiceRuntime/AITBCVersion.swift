/// The release every AITBC binary reports with `--version` (`aitbc 0.2.0 (swift 6.3)`).
public enum AITBCVersion {
    /// The project's release number.
    public static let number = "0.2.0"

    /// The Swift compiler the binary was built with, `major.minor`.
    public static let swift: String = {
        #if compiler(>=6.5)
            "6.5+"
        #elseif compiler(>=6.4)
            "6.4"
        #elseif compiler(>=6.3)
            "6.3"
        #elseif compiler(>=6.2)
            "6.2"
        #else
            "6.x"
        #endif
    }()

    /// `"<number> (swift <swift>)"`, what follows the binary's name in its `--version` line.
    public static let string = "\(number) (swift \(swift))"

    /// The full `--version` line of `binary`, `aitbc-miner 0.2.0 (swift 6.3)`: pass it as
    /// `CommandConfiguration(version:)`, which prints it as given.
    public static func line(for binary: String) -> String {
        "\(binary) \(string)"
    }
}
