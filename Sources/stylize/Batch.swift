import StyleCore
import StyleIO
import StyleTransfer
#if canImport(Glibc)
import Glibc
#endif

extension Run {
    /// Exit status of a batch in which some pairs failed (1 stays for errors that stop the run).
    static let somePairsFailedStatus: Int32 = 2

    /// Stylises every content × style pair into the directory `output`, loading the weights once
    /// and preparing each style once. A pair that fails is reported on one line and skipped.
    func runBatch(_ options: StyleOptions) throws {
        let plan = try BatchPlan(content: content, style: styles[0], directory: output, format: (format ?? .png).format)
        let stylizer = try Stylizer(options: options, weights: style.weightsLocation)
        try plan.createDirectory()
        if !quiet { fputs("stylize: \(stylizer.reason); \(plan.count) pairs into \(output)\n", stderr) }
        var written = 0, done = 0
        func report(_ content: String, _ style: String, _ error: Error) {
            fputs("error: \(oneLine("\(content) with \(style): \(cliMessage(error, content: content, styles: [style]))"))\n", stderr)
            if json {
                var record = ResultRecord(content: content, styles: [style], output: plan.outputPath(content: content, style: style))
                record.error = cliMessage(error, content: content, styles: [style])
                record.print()
            }
        }
        for style in plan.styles {
            let prepared: PreparedStyle
            do {
                prepared = try stylizer.prepareStyle(ImageFile.read(style, maxPixels: options.maxPixels))
            } catch {
                for content in plan.contents { report(content, style, error) }
                done += plan.contents.count
                continue
            }
            for content in plan.contents {
                done += 1
                let path = plan.outputPath(content: content, style: style)
                let bar = ProgressBar(enabled: !quiet)
                let started = monotonicSeconds()
                do {
                    let result = try stylizer.stylize(content: ImageFile.read(content, maxPixels: options.maxPixels), styles: [prepared],
                                                      progress: bar.update) { step, image in
                        try ImageFile.write(image, to: Self.snapshotPath(path, step: step), quality: options.quality)
                    }
                    bar.finish()
                    try ImageFile.write(result, to: path, quality: options.quality, metadata: Self.metadata(stylizer, content: content, styles: [style], result: result))
                    written += 1
                    if !quiet { fputs("[\(done)/\(plan.count)] \(path)\n", stderr) }
                    if json {
                        var record = ResultRecord(content: content, styles: [style], output: path)
                        record.finish(stylizer, result: result, seconds: monotonicSeconds() - started)
                        record.print()
                    }
                } catch {
                    bar.finish()
                    report(content, style, error)
                }
            }
        }
        if !quiet { fputs("\(written) of \(plan.count) pairs written\n", stderr) }
        if written < plan.count { Glibc.exit(Self.somePairsFailedStatus) }
    }
}
