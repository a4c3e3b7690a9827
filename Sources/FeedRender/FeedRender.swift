public enum FeedRenderPlaceholder {}
