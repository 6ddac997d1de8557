import HermesOAuth

extension LoginInteraction {
    /// The terminal login, with its messages printed through `spinner` and the spinner telling
    /// how long the browser has been waited for.
    static func terminal(spinner: Spinner) -> LoginInteraction {
        var interaction = LoginInteraction.terminal()
        interaction.say = { spinner.say($0) }
        interaction.waiting = { phase in
            switch phase {
            case .started(let readingPaste):
                spinner.update("Waiting for the browser…")
                if readingPaste { spinner.holdAboveInput() }
            case .ended:
                spinner.releaseInput()
                spinner.update("Finishing the login…")
            }
        }
        return interaction
    }
}
