import Sockets

/// The processor count used for the default number of event loops.
enum ProcessorCount {
    static var online: Int { System.coreCount }
}
